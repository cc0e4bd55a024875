"""No archive member is lost: links before a photo in a solid 7z, members named ``../x``, one name twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.limits import Limits
from ingest.unpack import unpack_all
from shenbao.samples.build import small_photo_jpeg
from tests.formats.builders import seven_zip_as_written, zip_raw

PHOTO = small_photo_jpeg(20_000, seed=1, size=(320, 240))
OTHER_PHOTO = small_photo_jpeg(20_000, seed=2, size=(320, 240))


def _files(data: bytes, tmp_path: Path, name: str = "材料.7z") -> dict[str, tuple[bytes, str]]:
    return {item.name: (item.data, item.refused) for item in unpack_all([(name, data)], Limits(), tmp_path)[1:]}


def test_a_symbolic_link_stored_before_a_photo_does_not_cut_the_photo(tmp_path: Path) -> None:
    """GIVEN a solid 7z whose first member is a symbolic link, then a photo
    WHEN it is unpacked THEN the photo comes out whole (the link is not a file of the nomination)."""
    files = _files(seven_zip_as_written([("照片/1.jpg", PHOTO)], link_first="照片/快捷方式.jpg"), tmp_path)
    assert files == {"材料.7z/照片/1.jpg": (PHOTO, "")}


def test_a_member_named_to_climb_out_does_not_damage_the_others(tmp_path: Path) -> None:
    """GIVEN a 7z with a member named ../../evil.txt beside a photo
    WHEN it is unpacked THEN both are read, the climbing name reduced to one safe component."""
    files = _files(seven_zip_as_written([("../../evil.txt", b"evil"), ("照片.jpg", PHOTO)]), tmp_path)
    assert files == {"材料.7z/evil.txt": (b"evil", ""), "材料.7z/照片.jpg": (PHOTO, "")}


@pytest.mark.parametrize(
    ("name", "pack"),
    [("材料.zip", lambda members: zip_raw([(n.encode(), d) for n, d in members], flags=0x800)),
     ("材料.7z", seven_zip_as_written)],
    ids=["zip", "7z"],
)
def test_two_members_of_one_name_are_both_kept(name: str, pack, tmp_path: Path) -> None:
    """GIVEN an archive holding two different photos both named 照片.jpg
    WHEN it is unpacked THEN both are files: 照片.jpg and 照片(2).jpg, in the archive's order."""
    files = _files(pack([("照片.jpg", PHOTO), ("照片.jpg", OTHER_PHOTO)]), tmp_path, name)
    assert files == {f"{name}/照片.jpg": (PHOTO, ""), f"{name}/照片(2).jpg": (OTHER_PHOTO, "")}
