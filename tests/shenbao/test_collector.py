"""The cycle collector: paused while the office views are built in bulk, restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shenbao.collector import YOUNG_THRESHOLD, cycle_collection_paused, settle_after_imports


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_paused_inside_and_enabled_again_after_even_on_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_nested_pause_leaves_enabling_to_the_outer_one() -> None:
    gc.enable()
    with cycle_collection_paused():
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()


def test_settling_freezes_what_was_imported_and_raises_the_young_threshold() -> None:
    gc.unfreeze()
    settle_after_imports()
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == YOUNG_THRESHOLD
