"""rules.quota: which nominations take a place of the quota, and the one per-unit tally."""

from __future__ import annotations

import pytest

from rules.quota import UnitTally, counts_toward_quota, unit_tallies

QUOTAS = {"解放区总工会": 2, "山阳区总工会": 1}


@pytest.mark.parametrize(("candidate", "rejected", "counts"),
                         [("王建国", False, True), ("王建国", True, False), (" \u3000", False, False)])
def test_a_nomination_counts_toward_the_quota_when_named_and_not_rejected(candidate: str, rejected: bool,
                                                                           counts: bool) -> None:
    assert counts_toward_quota(candidate, rejected) is counts


def test_the_tally_lists_the_roster_in_order_then_other_units_by_first_nomination_counting_as_the_quota() -> None:
    """GIVEN a roster of two units, nominations from both, one rejected, one unnamed and two units
    outside the roster (the later one first in alphabetical order)
    WHEN tallied THEN roster order comes first, others in order of arrival, and only counted ones count."""
    nominations = [("外单位乙", "complete", True), ("解放区 总工会", "complete", True),
                   ("解放区总工会", "incomplete", True), ("解放区总工会", "complete", False),
                   ("解放区总工会", "late", True), ("外单位甲", "complete", False)]
    tallies = unit_tallies(["解放区总工会", "山阳区总工会"], nominations, QUOTAS.get)
    assert tallies == [UnitTally("解放区总工会", True, 2, 3, 1, 1, 1), UnitTally("山阳区总工会", True, 1, 0, 0, 0, 0),
                       UnitTally("外单位乙", False, None, 1, 1, 0, 0), UnitTally("外单位甲", False, None, 0, 0, 0, 0)]
    assert [(t.open_places, t.over) for t in tallies] == [(0, 1), (1, 0), (None, 0), (None, 0)]
