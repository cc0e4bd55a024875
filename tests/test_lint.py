"""The tree passes ruff with the rule set of pyproject's [tool.ruff.lint]."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing_in_the_tree() -> None:
    """GIVEN the checkout and pyproject's [tool.ruff.lint]  WHEN ruff checks it  THEN it reports nothing."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
