"""Each problem code arises from a real generated mail: attachments are read, classified and judged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import pytest

from shenbao.samples.build import (CST, build_email, deeds_docx, form_docx, photo_jpeg, photo_png, screenshot_png,
                             small_photo_jpeg)
from tests.shenbao.conftest import Service

ON_TIME = datetime(2021, 4, 27, 9, 30, tzinfo=CST)
NAME, UNIT = "王喆", "山阳区总工会"


@cache
def big_photo(seed: int) -> bytes:
    return photo_jpeg(seed=seed)


def form(**kwargs: object) -> tuple[str, bytes]:
    return (f"推荐表-{NAME}.docx", form_docx(NAME, UNIT, **kwargs))  # type: ignore[arg-type]


def full_set(**overrides: object) -> list[tuple[str, bytes]]:
    """The notice's complete set; ``overrides`` replace or drop (None) one item by key."""
    items: dict[str, object] = {
        "form": [form()],
        "deeds": [(f"{NAME}事迹材料.docx", deeds_docx(NAME, 2100))],
        "credit": [("微信图片_20210427.png", screenshot_png("信用中国", NAME))],
        "photos": [(f"IMG_20{n}.JPG", big_photo(n)) for n in range(2)],
    }
    items.update(overrides)
    return [a for value in items.values() if value for a in value]  # type: ignore[union-attr]


CASES: dict[str, tuple[Callable[[], list[tuple[str, bytes]]], str, list[str]]] = {
    "complete": (lambda: full_set(), "complete", []),
    "form missing": (lambda: full_set(form=None), "incomplete", ["form.missing"]),
    "form unreadable": (lambda: full_set(form=[("推荐表.docx", form_docx(NAME, UNIT)[:3000])]), "incomplete",
                        ["attachment.unreadable", "form.unreadable"]),  # DESIGN: always attachment.unreadable
    "unnamed unreadable document": (lambda: full_set(form=[("材料.docx", form_docx(NAME, UNIT)[:3000])]),
                                    "incomplete", ["attachment.unreadable", "form.missing"]),
    "form fields empty": (lambda: full_set(form=[form(empty_fields=("联系电话", "政治面貌"))]), "incomplete",
                          ["form.field_empty:政治面貌", "form.field_empty:联系电话"]),
    "credit missing": (lambda: full_set(credit=None), "incomplete", ["credit.missing"]),
    "deeds missing": (lambda: full_set(deeds=None), "incomplete", ["deeds.missing"]),
    "deeds too short": (lambda: full_set(deeds=[("事迹.docx", deeds_docx(NAME, 900))]), "incomplete",
                        ["deeds.too_short"]),
    "photos missing": (lambda: full_set(photos=None), "incomplete", ["photos.missing"]),
    "one photo": (lambda: full_set(photos=[("工作照.jpg", big_photo(0))]), "incomplete", ["photos.too_few"]),
    "four photos": (lambda: full_set(photos=[(f"照片{n}.jpg", big_photo(n)) for n in range(4)]), "complete",
                    ["photos.too_many"]),
    "png photo renamed jpg": (lambda: full_set(photos=[("工作照1.jpg", photo_png(seed=1, size=(2200, 1600))),
                                                       ("工作照2.jpg", big_photo(2))]), "incomplete",
                              ["photos.not_jpeg"]),
    "wechat photos": (lambda: full_set(photos=[(f"微信图片_{n}.jpg", small_photo_jpeg(seed=n)) for n in range(2)]),
                      "incomplete", ["photos.too_small"]),
    "corrupt extra file": (lambda: full_set() + [("附件.jpg", big_photo(0)[:5000])], "complete",
                           ["attachment.unreadable"]),
    "leader": (lambda: full_set(form=[form(job="焦作市某某集团总经理")]), "complete", ["eligibility.leader"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_material_set_gets_its_problem_codes(service: Service, case: str) -> None:
    make, status, problems = CASES[case]
    raw = build_email(from_addr="syqzgh@163.com", from_name=UNIT, subject=f"推荐材料-{UNIT}-{NAME}",
                      text="陈老师：您好！附件是推荐材料，请查收。", attachments=make(), date=ON_TIME)
    service.deliver("mail.eml", raw, ON_TIME)
    service.run_once()
    [sub] = service.export()["submissions"]
    assert (sub["status"], sorted(sub["problems"])) == (status, problems)


def test_previous_winner_is_flagged_from_the_config(service_with: Callable[[str], Service]) -> None:
    service = service_with(f'\n[rules.eligibility]\nprevious_winners = ["{NAME}@{UNIT}"]\n')
    raw = build_email(from_addr="syqzgh@163.com", from_name=UNIT, subject="推荐材料", text="请查收。",
                      attachments=full_set(), date=ON_TIME)
    service.deliver("mail.eml", raw, ON_TIME)
    service.run_once()
    [sub] = service.export()["submissions"]
    assert (sub["status"], sub["problems"]) == ("complete", ["eligibility.previous_winner"])


def test_reply_names_the_small_photo_and_its_size(service: Service) -> None:
    photos = [("微信图片_1.jpg", small_photo_jpeg(seed=1)), ("工作照2.jpg", big_photo(2))]
    raw = build_email(from_addr="syqzgh@163.com", from_name=UNIT, subject="推荐材料", text="请查收。",
                      attachments=full_set(photos=photos), date=ON_TIME)
    service.deliver("mail.eml", raw, ON_TIME)
    service.run_once()
    [reply] = service.replies()
    text = reply.get_body(("plain",)).get_content()
    assert "微信图片_1.jpg" in text and "MB" in text and "2MB" in text
