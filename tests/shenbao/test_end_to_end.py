"""The whole intake through the CLI: labelled scenarios give their status, problems and reply kind."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from shenbao.samples.build import KINDS, nomination_email
from tests.shenbao.conftest import Service

pytestmark = pytest.mark.both_databases  # the store, intake, outbox and digest on SQLite and PostgreSQL

SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
LABELLED = sorted(SHARED_SAMPLES.glob("sample_*.json")) if SHARED_SAMPLES.is_dir() else []
REPLY_KIND_MARKS = {"accepted": "材料齐全", "incomplete": "尚不完整", "late": "截止"}

# scenario -> (status, problem codes, reply kind); None = no nomination, no reply
EXPECTED: dict[str, tuple[str, list[str], str] | None] = {
    "complete": ("complete", [], "accepted"),
    "missing_photos": ("incomplete", ["photos.missing"], "incomplete"),
    "small_photos": ("incomplete", ["photos.too_small"], "incomplete"),
    "deeds_in_body": ("complete", [], "accepted"),
    "autoreply": None,
    "late": ("late", ["deadline.late"], "late"),
    "credit_mismatch": ("incomplete", ["credit.name_mismatch"], "incomplete"),
    "scanned_form": ("incomplete", ["form.scan_only"], "incomplete"),
}
READ_BY_OCR = {"credit_mismatch", "scanned_form"}  # their verdicts come from what the pictures say


def reply_kind(text: str) -> str:
    return next(kind for kind, mark in REPLY_KIND_MARKS.items() if mark in text)


def body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("scenario", sorted(KINDS))
def test_generated_scenario_gets_its_labelled_verdict_and_reply(request: pytest.FixtureRequest, scenario: str) -> None:
    service: Service = request.getfixturevalue("ocr_service" if scenario in READ_BY_OCR else "service")
    service.deliver(f"{scenario}.eml", nomination_email(scenario, unit="解放区总工会", candidate="王建国"),
                    KINDS[scenario])
    service.run_once()
    data = service.export()
    expected = EXPECTED[scenario]
    if expected is None:
        assert data["submissions"] == []
        assert data["emails"][0]["disposition"].startswith("ignored:")
        assert service.replies() == []
        return
    status, problems, kind = expected
    [sub] = data["submissions"]
    assert (sub["unit"], sub["candidate"], sub["status"], sorted(sub["problems"])) == \
        ("解放区总工会", "王建国", status, problems)
    [reply] = service.replies()
    assert reply["To"].addresses[0].addr_spec == "jfqzgh@163.com"
    assert f"[{sub['id']}]" in reply["Subject"]
    assert reply_kind(body(reply)) == kind


@pytest.mark.parametrize("label", LABELLED, ids=[p.stem for p in LABELLED])
def test_shared_labelled_sample_gets_its_labelled_verdict(service: Service, label: Path) -> None:
    spec = json.loads(label.read_text(encoding="utf-8"))
    for mail in spec["emails"]:
        service.deliver(mail["file"], (label.parent / mail["file"]).read_bytes(),
                        datetime.fromisoformat(mail["internaldate"]))
    service.run_once()
    data = service.export()
    got = [{"unit": s["unit"], "candidate": s["candidate"], "status": s["status"], "problems": sorted(s["problems"])}
           for s in data["submissions"]]
    want = [{**s, "problems": sorted(s["problems"])} for s in spec["expect"]["submissions"]]
    assert got == want
    replies = service.replies()
    assert [(r["To"].addresses[0].addr_spec, reply_kind(body(r))) for r in replies] == \
        [(r["to"], r["kind"]) for r in spec["expect"]["replies"]]
    answered = {r["To"].addresses[0].addr_spec for r in replies}
    assert not answered & set(spec["expect"]["no_reply_to"])


def test_running_twice_processes_and_replies_once(service: Service) -> None:
    for index, scenario in enumerate(["complete", "missing_photos", "autoreply"]):
        service.deliver(f"{index}.eml", nomination_email(scenario, unit="孟州市总工会", candidate=f"候选人{index}"),
                        KINDS[scenario])
    assert service.run_once() == "fetched 3, processed 3, errors 0, replies sent 2, failed 0\n"
    assert service.run_once() == "fetched 0, processed 0, errors 0, replies sent 0, failed 0\n"
    assert len(service.replies()) == 2
    data = service.export()
    assert [e["replied"] for e in data["emails"]] == [True, True, False]
    assert len(data["submissions"]) == 2


def test_export_json_follows_the_design_schema(service: Service) -> None:
    service.deliver("a.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"), KINDS["complete"])
    service.run_once()
    data = service.export()
    [sub] = data["submissions"]
    design = {"id", "unit", "candidate", "sender", "status", "problems", "items", "emails", "received_at"}
    assert design <= set(sub) and set(sub) - design == {"auto_status", "decision", "same_candidate"}
    assert sub["id"] == "JZ2021-001" and sub["sender"] == "jfqzgh@163.com"
    assert {"form", "credit", "deeds", "photos"} <= set(sub["items"])
    assert sub["items"]["deeds"]["chars"] >= 1800 and len(sub["items"]["photos"]) == 3
    assert sub["received_at"].endswith("+08:00")
    [email] = data["emails"]
    assert set(email) == {"message_id", "from", "subject", "received_at", "disposition", "replied", "nominations"}
    assert email["message_id"].startswith("<") and email["disposition"] == "submission"
    assert sub["emails"] == [email["message_id"]] and email["nominations"] == [sub["id"]]
    assert (sub["auto_status"], sub["decision"], sub["same_candidate"]) == ("complete", None, [])
