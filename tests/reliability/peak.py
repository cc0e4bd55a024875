"""``python -m tests.reliability.peak ARGS`` runs ``shenbao ARGS`` in this very process and, at exit,
writes the process's peak resident memory in kB (VmHWM) to the file named by $SHENBAO_TEST_PEAK_FILE.

VmHWM belongs to the memory map of the running program, so it is exact; a parent's wait4
ru_maxrss is not (it carries the pre-exec size of the forked parent, here the test process).
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _write_peak() -> None:
    target = os.environ.get("SHENBAO_TEST_PEAK_FILE")
    if not target:
        return
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            try:
                Path(target).write_text(line.split()[1])
            except OSError:  # e.g. the disk-full suite's disk: the figure is lost, not the run's output
                return


if __name__ == "__main__":
    atexit.register(_write_peak)
    sys.argv = ["shenbao", *sys.argv[1:]]
    runpy.run_module("shenbao", run_name="__main__", alter_sys=True)
