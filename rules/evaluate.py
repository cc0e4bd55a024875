"""The notice's requirements as rules: nomination facts + rule config + campaign -> verdict.

Each requirement is one small check ``(facts, rules, campaign) -> list[Problem]``; ``CHECKS``
lists them in the order a reply presents them. ``Problem.detail`` carries plain JSON values
(strings, integers, lists of small dicts) that the wording in ``templates/problems.toml``
uses; times are ISO 8601 strings. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from ingest.names import compact

from rules.codes import Status, is_blocking
from rules.config import Campaign, Rules
from rules.credit import read_credit, shows_name
from rules.facts import DeedsFacts, FormFacts, NominationFacts, Problem, Verdict
from rules.materials import Build, built
from rules.photos import check_duplicates
from rules.quota import check_quota

Check = Callable[[NominationFacts, Rules, Campaign], list[Problem]]

# A form field whose label contains this names the candidate's unit and post ("工作单位及职务").
POSITION_LABEL = "职务"
# The form's deeds cell: it counts as the deeds text when it alone is long enough.
FORM_DEEDS_LABEL = "主要事迹"
FORM_DEEDS_SOURCE = "{name}（主要事迹栏）"


def _aware(moment: datetime, campaign: Campaign) -> datetime:
    """A naive time is read in the campaign's time zone, so comparisons never fail."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=ZoneInfo(campaign.timezone))
    return moment


def latest_readable_form(facts: NominationFacts) -> FormFacts | None:
    """The last readable electronic form received (``facts.forms`` is in arrival order), else the
    last readable scan or photo of it (kept as the stamped copy beside an electronic one)."""
    readable = [form for form in facts.forms if not form.unreadable]
    electronic = [form for form in readable if not form.scan]
    kept = electronic or readable
    return kept[-1] if kept else None


def check_deadline(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    received = _aware(facts.received_at, campaign)
    if received <= campaign.deadline:
        return []
    detail = {"received_at": received.isoformat(), "deadline": campaign.deadline.isoformat()}
    return [Problem("deadline.late", detail)]


def check_candidate(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    """Material that names no candidate (no form, no name in the subject) cannot be judged for anyone."""
    return [] if compact(facts.candidate) else [Problem("candidate.unmatched")]


def check_form(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    if not facts.forms:
        return [Problem("form.missing")]
    form = latest_readable_form(facts)
    problems = []
    if form is None or form.scan:
        files = [{"name": f.filename, "reason": f.unreadable} for f in facts.forms if f.unreadable]
        if files:
            problems.append(Problem("form.unreadable", {"files": sorted(files, key=lambda f: f["name"])}))
    if form is None:
        return problems
    if form.scan:  # its fields were read by OCR and are shown to the office; the electronic version is asked for
        scans = sorted({f.filename for f in facts.forms if f.scan and not f.unreadable})
        return [*problems, Problem("form.scan_only", {"files": [{"name": name} for name in scans]})]
    filled = {compact(label): value for label, value in form.fields.items() if value.strip()}
    return [
        Problem(f"form.field_empty:{field}", {"field": field, "name": form.filename})
        for field in rules.form.required_fields
        if compact(field) not in filled
    ]


def check_credit(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    if not facts.screenshots:
        return [Problem("credit.missing")] if rules.credit.required else []
    if not rules.credit.read_text:
        return []
    shots = sorted(facts.screenshots, key=lambda shot: shot.filename)
    problems = [Problem("credit.unreadable", {"name": s.filename}) for s in shots if s.ocr_state == "empty"]
    read = [(shot, read_credit(shot.text)) for shot in shots if shot.ocr_state == "read"]
    candidate = compact(facts.candidate)
    if not read or not candidate:
        return problems  # nothing read (or OCR not run): no claim about what the screenshots say
    showing = [(shot, reading) for shot, reading in read if shows_name(shot.text, candidate)]
    others = [(shot, reading) for shot, reading in read if not shows_name(shot.text, candidate)
              and (reading.names or not showing)]  # a screenshot of someone else; or no name anywhere
    if others:
        files = [{"name": shot.filename, "site": reading.site, "shown": "、".join(reading.names)}
                 for shot, reading in others]
        problems.append(Problem("credit.name_mismatch", {"candidate": facts.candidate.strip(), "files": files}))
    listed = [{"name": shot.filename, "site": reading.site, "records": list(reading.records[:5])}
              for shot, reading in showing if reading.records]
    if listed:
        problems.append(Problem("credit.record_found", {"candidate": facts.candidate.strip(), "files": listed}))
    return problems


def _form_deeds(facts: NominationFacts, rules: Rules) -> list[DeedsFacts]:
    """The form's 主要事迹 cell as a deeds text, when it alone meets the length rule (a short
    summary there is what the form asks for, not the deeds material; the rest of the form never counts)."""
    form = latest_readable_form(facts)
    chars = len(compact(form.fields.get(FORM_DEEDS_LABEL, ""))) if form else 0
    if form is None or chars < rules.deeds.min_chars:
        return []
    return [DeedsFacts(FORM_DEEDS_SOURCE.format(name=form.filename), chars)]


def check_deeds(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    minimum = rules.deeds.min_chars
    candidates = [*facts.deeds, *_form_deeds(facts, rules)]
    if not candidates:
        return [Problem("deeds.missing", {"min_chars": minimum})]
    best = max(candidates, key=lambda d: (d.chars, d.source))
    if best.chars >= minimum:
        return []
    return [Problem("deeds.too_short", {"name": best.source, "chars": best.chars, "min_chars": minimum})]


def _photo_count(facts: NominationFacts, rules: Rules) -> list[Problem]:
    count, low, high = len(facts.photos), rules.photos.min_count, rules.photos.max_count
    detail = {
        "count": count,
        "min_count": low,
        "max_count": high,
        "min_bytes": rules.photos.min_bytes,
        "formats": list(rules.photos.formats),
        "embedded": [{"name": e.filename, "count": e.count} for e in facts.embedded_images] if count < low else [],
    }
    if count == 0:
        return [Problem("photos.missing", detail)]
    if count < low:
        return [Problem("photos.too_few", detail)]
    if count > high:
        return [Problem("photos.too_many", detail)]
    return []


def _photo_format(facts: NominationFacts, rules: Rules) -> list[Problem]:
    wrong = sorted(
        ({"name": p.filename, "format": p.format.lower() or "unknown"} for p in facts.photos
         if p.format.lower() not in rules.photos.formats),
        key=lambda f: f["name"],
    )
    if not wrong:
        return []
    return [Problem("photos.not_jpeg", {"files": wrong, "formats": list(rules.photos.formats)})]


def _photo_size(facts: NominationFacts, rules: Rules) -> list[Problem]:
    minimum = rules.photos.min_bytes
    small = sorted(
        ({"name": p.filename, "size": p.size} for p in facts.photos if p.size < minimum),
        key=lambda f: (f["name"], f["size"]),
    )
    if not small:
        return []
    return [Problem("photos.too_small", {"files": small, "min_bytes": minimum})]


def check_photos(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    return (_photo_count(facts, rules) + _photo_format(facts, rules) + _photo_size(facts, rules)
            + check_duplicates(facts, rules.photos.duplicate_max_distance))


def check_present(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    """Each material of the table without a check of its own (``Build.FILE``) must have been received."""
    received = {file.role for file in facts.files}
    return [Problem(m.missing_code) for m in built(Build.FILE) if m.role not in received]


def _leader(facts: NominationFacts, rules: Rules) -> list[Problem]:
    form = latest_readable_form(facts)
    if form is None:
        return []
    for label, value in sorted(form.fields.items()):
        if POSITION_LABEL not in label:
            continue
        keyword = next((k for k in rules.eligibility.leader_keywords if k and k in compact(value)), None)
        if keyword:
            detail = {"field": label, "position": value.strip(), "keyword": keyword}
            return [Problem("eligibility.leader", detail)]
    return []


def _previous_winner(facts: NominationFacts, rules: Rules) -> list[Problem]:
    name, unit = compact(facts.candidate), compact(facts.unit)
    if not name:
        return []
    for entry in rules.eligibility.previous_winners:
        winner, _, winner_unit = entry.partition("@")
        if compact(winner) == name and (not compact(winner_unit) or compact(winner_unit) == unit):
            detail = {"candidate": facts.candidate.strip(), "unit": winner_unit.strip()}
            return [Problem("eligibility.previous_winner", detail)]
    return []


def check_eligibility(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    return _leader(facts, rules) + _previous_winner(facts, rules)


def check_attachments(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    unreadable = [(f.filename, f.reason) for f in facts.unreadable]
    unreadable += [(form.filename, form.unreadable) for form in facts.forms if form.unreadable]  # and form.unreadable
    problems = [Problem("attachment.unreadable", {"name": name, "reason": reason}) for name, reason in sorted(unreadable)]
    if facts.cloud_links:
        detail = {"links": sorted(set(facts.cloud_links)), "min_bytes": rules.photos.min_bytes}
        problems.append(Problem("attachment.cloud_link", detail))
    return problems


CHECKS: tuple[Check, ...] = (
    check_deadline,
    check_candidate,
    check_form,
    check_credit,
    check_deeds,
    check_photos,
    check_present,
    check_eligibility,
    check_quota,
    check_attachments,
)


def status_of(problems: tuple[Problem, ...]) -> Status:
    codes = [p.code for p in problems]
    if "deadline.late" in codes:
        return Status.LATE
    if any(is_blocking(code) for code in codes):
        return Status.INCOMPLETE
    return Status.COMPLETE


def evaluate(facts: NominationFacts, rules: Rules, campaign: Campaign) -> Verdict:
    """Run every check in ``CHECKS`` order; the status follows from the problems found."""
    problems = tuple(problem for check in CHECKS for problem in check(facts, rules, campaign))
    return Verdict(status=status_of(problems).value, problems=problems)
