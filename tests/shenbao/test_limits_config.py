"""The [limits] table: safe defaults, mistakes named by key path, values that reach the reading."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from ingest.convert import _run
from ingest.limits import Limits
from shenbao.config import load_config
from shenbao.errors import ConfigError
from shenbao.samples.build import CST, build_email, photo_jpeg
from tests.shenbao.conftest import FOLDER_CONFIG, Service

ROOT = Path(__file__).resolve().parents[2]


def test_example_limits_are_the_safe_defaults() -> None:
    assert load_config(ROOT / "config.example.toml").limits.for_ingest() == Limits()


@pytest.mark.parametrize(
    ("table", "toml", "expected"),
    [
        ("limits", "max_archive_members = 0", "limits.max_archive_members: must be a positive integer"),
        ("limits", "max_nesting_depth = 11", "limits.max_nesting_depth: must be at most 10"),
        ("limits", "conversion_timeout_seconds = 1", "limits.conversion_timeout_seconds: must be at least 5"),
        ("limits", 'max_image_pixels = "many"', "limits.max_image_pixels: must be a positive integer"),
        ("limits", "max_zip_bytes = 5", ("limits.max_zip_bytes: unknown key (check the spelling against "
                                         "config.example.toml) (did you mean max_archive_total_bytes?)")),
        ("performance", "workers = 0", "performance.workers: must be at least 1"),
        ("performance", "workers = 65", "performance.workers: must be at most 64"),
        ("performance", 'workers = "all"', "performance.workers: must be a positive integer"),
        ("performance", "worker = 2", ("performance.worker: unknown key (check the spelling against "
                                       "config.example.toml) (did you mean workers?)")),
    ],
)
def test_a_bad_limit_or_worker_count_is_named_by_its_key_path(tmp_path: Path, table: str, toml: str,
                                                              expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"{FOLDER_CONFIG}\n[{table}]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == [expected]


def test_a_configured_limit_reaches_the_reading_and_the_reply(service_with: Callable[[str], Service]) -> None:
    service = service_with("\n[limits]\nmax_attachment_bytes = 1000000\n")
    when = datetime(2021, 4, 27, 9, 30, tzinfo=CST)
    raw = build_email(from_addr="qyszgh@163.com", from_name="沁阳市总工会", subject="照片", text="照片原图。",
                      attachments=[("IMG_1.jpg", photo_jpeg(seed=1))], date=when)
    service.deliver("a.eml", raw, when)
    service.run_once()
    text = service.replies()[0].get_body(("plain",)).get_content()
    assert "IMG_1.jpg" in text and "文件过大" in text


def _stat(pid: str) -> tuple[str, str] | None:
    """(state, process group) of a process from /proc/<pid>/stat; None when it is gone. Not its
    cmdline, as ``pgrep -f`` reads for every process on the machine: reading a cmdline waits for
    that process's memory lock, which a busy browser or LibreOffice may hold for long."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], fields[2]


def _alive(stat: tuple[str, str] | None) -> bool:
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie is dead, only not yet reaped


def _survivors(group: str, *pids: str) -> list[str]:
    """``pids`` and members of process group ``group`` still alive once SIGKILL has had time to act:
    a killed process may still be on its way out for a moment under load; one not killed would
    sleep on for its 30 s."""
    deadline = time.monotonic() + 10
    while True:
        members = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
        alive = sorted({*(pid for pid in pids if _alive(_stat(pid))),
                        *(pid for pid in members if (stat := _stat(pid)) and stat[1] == group and _alive(stat))})
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@pytest.mark.timeout(30)
def test_a_converter_that_hangs_is_killed_with_its_children_at_the_timeout(tmp_path: Path) -> None:
    """GIVEN a converter that starts a child and both hang  WHEN its time is up  THEN neither it nor the
    child nor anything else of its process group lives on. (Its own processes are followed by pid and
    group: other test runs on the machine may have a ``sleep 30`` of their own at the same time.)"""
    pids = tmp_path / "pids"
    assert _run(["sh", "-c", f"echo $$ > {pids}; sleep 30 & echo $! >> {pids}; sleep 30"], tmp_path, timeout=5) is False
    group, child = pids.read_text().split()  # both were started before the timeout
    assert _survivors(group, child) == []


@pytest.mark.parametrize(("toml", "workers"), [("", os.cpu_count() or 1), ("[performance]\nworkers = 3\n", 3)])
def test_workers_default_to_the_machines_cores(tmp_path: Path, toml: str, workers: int) -> None:
    """GIVEN no [performance] table (the example leaves it commented) or workers = 3  THEN the count is the cores or 3."""
    path = tmp_path / "config.toml"
    path.write_text(f"{FOLDER_CONFIG}\n{toml}", encoding="utf-8")
    assert load_config(path).performance.workers == workers
    assert load_config(ROOT / "config.example.toml").performance.workers == (os.cpu_count() or 1)
