"""Fixtures for the format tests."""

from __future__ import annotations

import pytest

from tests.formats.office import office_files as make_office_files


@pytest.fixture(scope="session")
def office_files() -> dict[str, bytes]:
    """.doc and .pdf made by LibreOffice from the generated form and deeds (see tests.formats.office)."""
    return make_office_files()
