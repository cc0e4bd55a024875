"""The product's packages type-check: every function typed, no unused ``type: ignore``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["shenbao", "ingest", "rules", "notify"]


def test_mypy_finds_no_error_in_the_product_packages(tmp_path: Path) -> None:
    """GIVEN the packages and pyproject's [tool.mypy]  WHEN mypy checks them  THEN it reports nothing."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *PACKAGES],
                            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")
