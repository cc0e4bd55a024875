"""An old .doc 推荐表 whose table comes out as running text is read by its labels."""

from __future__ import annotations

from pathlib import Path

from ingest.classify import classify
from ingest.files import read_attachments
from ingest.limits import Limits
from ingest.types import Role
from rules.config import FormRules


def test_flattened_doc_form_reads_all_required_fields(office_files: dict[str, bytes], tmp_path: Path) -> None:
    """GIVEN a .doc made by LibreOffice whose form text runs together ("姓  名赵刚性  别男出生年月…")
    WHEN read (converted back by LibreOffice) THEN it is the form, not deeds, and every required field
    has its value: the text up to the next known label."""
    (read,) = read_attachments([("赵刚推荐表.doc", office_files["flatform.doc"])], Limits(), tmp_path)
    facts = read.facts
    assert facts.kind == "doc" and not facts.unreadable
    assert classify(facts) is Role.FORM
    expected = {"姓名": "赵刚", "性别": "男", "出生年月": "1988年10月", "政治面貌": "中共党员",
                "工作单位及职务": "焦作市某某机械厂钳工班长", "联系电话": "13903910000"}
    assert set(FormRules().required_fields) == set(expected)
    assert {k: facts.form_fields.get(k) for k in expected} == expected
    assert facts.form_fields["身份证号码"] == "410802198810010000"
    assert facts.form_fields["主要事迹"].startswith("赵刚同志扎根一线")
