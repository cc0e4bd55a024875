"""ingest.budget: readings in a worker process under a CPU-time budget; the worker goes on, or is
replaced, and the next reading is unaffected. Real processes, real signals (RLIMIT_CPU / SIGXCPU)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from ingest.budget import BudgetPool, InProcess, Outcome
from ingest.files import budgeted, budgeted_pictures, budgeted_unpack
from ingest.limits import Limits
from ingest.read import read_file
from ingest.read_pdf import page_images
from ingest.unpack import unpack
from shenbao.samples.build import deeds_docx
from shenbao.samples.pages import form_scan_pdf
from tests.formats.builders import gbk_zip
from tests.reliability.stalls import vmerge_docx


def python_docx_cell_walk(data: bytes) -> int:
    """What ingest.read_docx did before issue 18: python-docx's ``row.cells`` (O(N²) over vMerge)."""
    import io

    return sum(len(row.cells) for table in Document(io.BytesIO(data)).tables for row in table.rows)


def two_readings_in_one_worker(crafted: bytes) -> tuple[Outcome, Outcome, Outcome]:
    """In a pool worker (a whole mail's reading): a crafted file over its own budget, a broken one, a good one."""
    here = InProcess()
    return (here.call(python_docx_cell_walk, crafted, seconds=1), here.call(python_docx_cell_walk, b"PK-not-a-docx", seconds=1),
            here.call(len, b"abc", seconds=1))


def sleeps(seconds: float) -> str:
    time.sleep(seconds)  # uses no CPU: only the wall-clock backstop ends it
    return "woke"


def dies() -> None:
    os._exit(3)  # a C extension crashing, as the parent sees it


@pytest.fixture
def pool() -> Iterator[BudgetPool]:
    pool = BudgetPool(wall_factor=1, wall_grace_seconds=2)
    yield pool
    pool.close()


def _next_reading_works(pool: BudgetPool) -> None:
    facts = budgeted(pool)("事迹.docx", deeds_docx("赵海燕", 300), Limits(file_seconds=5), None, "")
    assert facts.unreadable == "" and "赵海燕" in facts.text


@pytest.fixture
def service_pool() -> Iterator[BudgetPool]:
    """The pool as the service makes it: its wall-clock backstop (4 × the budget + 10 s) leaves a
    loaded machine time to spend the CPU second (at a load of 10 on two cores, 1 s of CPU is ~5 s)."""
    pool = BudgetPool()
    yield pool
    pool.close()


def test_a_reading_over_its_cpu_budget_stops_in_time_and_the_same_worker_reads_the_next(
        service_pool: BudgetPool) -> None:
    """The old O(N²) walk over the 20 000 merged cells (45 minutes) stops at its 1 s of CPU: by the
    worker's own SIGXCPU handler, not the wall-clock backstop (which would have replaced it)."""
    pool = service_pool
    _next_reading_works(pool)  # the worker is up: what is timed next is the reading alone
    started = time.monotonic()
    outcome = pool.call(python_docx_cell_walk, vmerge_docx(20_000), seconds=1)
    assert (outcome.failure, outcome.value) == ("timeout", None)
    assert time.monotonic() - started < 10
    _next_reading_works(pool)
    assert pool.replaced == 0


def test_a_worker_that_does_not_come_back_is_killed_by_the_wall_clock_and_replaced(pool: BudgetPool) -> None:
    started = time.monotonic()
    assert pool.call(sleeps, 60, seconds=1).failure == "timeout"
    assert time.monotonic() - started < 10 and pool.replaced == 1
    _next_reading_works(pool)


def test_a_worker_that_dies_is_replaced_and_its_file_is_unreadable(pool: BudgetPool) -> None:
    assert pool.call(dies, seconds=1).failure == "crashed"
    _next_reading_works(pool)
    assert pool.replaced == 1


def test_an_exception_in_the_worker_comes_back_as_the_error_and_the_file_is_broken(pool: BudgetPool) -> None:
    outcome = pool.call(read_file, "x", "not bytes", None, None, "", seconds=1)
    assert outcome.failure == "" and outcome.value is None and "TypeError" in outcome.error
    facts = budgeted(pool)("x.pdf", b"%PDF-1.7 nothing", Limits(), None, "")
    assert facts.unreadable and facts.kind == "pdf"


def test_an_archive_is_unpacked_in_the_worker_as_in_the_service_itself(pool: BudgetPool, tmp_path: Path) -> None:
    """GIVEN a zip with folders and GBK names, and a plain attachment WHEN unpacked through the
    worker THEN the items are exactly those ``unpack`` gives in-process."""
    archive = gbk_zip({"材料/推荐表.docx": deeds_docx("赵海燕", 300), "材料/照片/1.txt": "说明".encode()})
    unpack_one = budgeted_unpack(pool)
    for name, data in (("材料.zip", archive), ("说明.txt", "正文".encode())):
        assert unpack_one(name, data, Limits(), tmp_path, "") == unpack(name, data, Limits(), tmp_path, "")


def test_each_file_of_a_whole_mail_read_in_one_worker_keeps_its_own_budget(pool: BudgetPool) -> None:
    """GIVEN a call with no budget of its own (``seconds=None``, as ``[performance] workers`` makes)
    WHEN it reads a crafted file, a broken one and a good one through ``InProcess``  THEN the first
    is a timeout, the second an error, the third read, all in the same worker (not replaced)."""
    outcome = pool.call(two_readings_in_one_worker, vmerge_docx(20_000), seconds=None, wall_seconds=120)
    over, broken, good = outcome.value
    assert (over.failure, over.value) == ("timeout", None)
    assert broken.error.startswith("BadZipFile") and broken.value is None
    assert (good.value, good.failure, good.error) == (3, "", "")
    assert pool.replaced == 0


def test_a_scanned_pdfs_pictures_are_taken_out_in_the_worker(pool: BudgetPool) -> None:
    """GIVEN an image-only PDF (a scanned form) THEN the worker gives the same page picture pypdf gives
    in-process (OCR then reads it in the service's own process); a PDF pypdf cannot read gives none,
    and the worker reads on."""
    scan = form_scan_pdf(Image.new("RGB", (620, 877), (250, 250, 250)))
    pictures = budgeted_pictures(pool, 5)
    assert pictures(scan) == page_images(scan) and len(pictures(scan)) == 1
    assert pictures(b"%PDF-1.4\n" + b"\x00" * 50) == []
    _next_reading_works(pool)


def test_release_idle_stops_the_idle_worker_and_a_later_reading_starts_a_fresh_one() -> None:
    """GIVEN a pool whose worker has read a file  WHEN its idle workers are released (another pool
    takes over the readings)  THEN the worker process has ended, and the next reading still works."""
    pool = BudgetPool()
    try:
        assert pool.call(len, b"abc", seconds=5).value == 3
        (worker,) = [w for w in pool._slots if w is not None]
        assert pool.release_idle() == 1
        assert worker.process.poll() is not None
        assert pool.release_idle() == 0
        _next_reading_works(pool)
    finally:
        pool.close()


def test_reading_a_docx_does_not_import_the_pdf_library() -> None:
    """GIVEN a fresh interpreter  WHEN it imports the readers and reads a .docx  THEN pypdf (the largest
    reader library) is not loaded: only a PDF loads it, in the process that reads one."""
    import subprocess
    import sys

    code = ("import sys; from ingest.read_docx import read_docx; from ingest import read, read_pdf; "
            "from shenbao.samples.build import deeds_docx; read_docx(deeds_docx('赵海燕', 300)); "
            "print('pypdf' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[2])
    assert found.stdout.strip() == "False"
