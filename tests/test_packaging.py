"""The installed package is the whole tree: ``./dev demo`` runs the ``shenbao`` script of a
``pip install .``, which imports from site-packages, not from the checkout (a package list that
named only the top folders once left shenbao/service, shenbao/store, ... out of the install)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shenbao", "ingest", "rules", "notify", "templates")


def _source_files() -> set[str]:
    return {path.relative_to(ROOT).as_posix() for package in PACKAGES for path in (ROOT / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def test_the_wheel_holds_every_module_and_template_of_the_tree(tmp_path: Path) -> None:
    """GIVEN a copy of the checkout (a build must not write build/ into it) WHEN pip builds the wheel
    THEN every file of the five packages, subpackages included, is in it."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                            "-w", str(tmp_path / "wheel"), str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("shenbao-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        missing = _source_files() - set(archive.namelist())
    assert not missing, f"not installed by `pip install .`: {sorted(missing)[:20]}"
    assert "shenbao/service/demo.py" in _source_files()
