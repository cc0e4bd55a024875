"""The benchmark mailbox: N realistic nominations, generated once and cached on disk.

Each mail is what a unit really sends: a covering note (text + HTML), the 推荐表 .docx, the
事迹材料 .docx, a 征信 screenshot and three JPEG photos of just over 2 MB (about 6.5 MB of
files, 8.9 MB on the wire). By default the photos carry no EXIF, as WeChat and most phone
transfers deliver them; ``exif=True`` gives the camera JPEGs (EXIF Make/Model) of issue 8. Every mail has its own sender, candidate and bytes: the photos come
from a small pool of generated pictures, each copy made unique by a JPEG comment segment, so
nothing is deduplicated that would not be in a real mailbox. Generation runs on every core and
the result is cached, so a rerun starts at once.
"""

from __future__ import annotations

import struct
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png

VERSION = 1  # bump when the mails change, so an old cache is not reused
PHOTO_POOL = 12
PHOTO_BYTES = 2_100_000
FIRST_SENT = datetime(2021, 4, 12, 8, 30, tzinfo=CST)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = ("建国", "秀梅", "志强", "红霞", "文静", "立新", "晓燕", "海涛", "丽娜", "永红", "国庆", "春燕",
          "德明", "玉兰", "振华", "桂英", "学军", "淑珍", "卫东", "慧敏", "宏伟", "雪梅", "长江", "美玲")
_UNITS = ("解放区总工会", "山阳区总工会", "中站区总工会", "马村区总工会", "沁阳市总工会", "孟州市总工会",
          "修武县总工会", "博爱县总工会", "武陟县总工会", "温县总工会", "市直机关工委工会", "焦作供电公司工会")
_CLIENTS = ("163", "outlook", "foxmail")


def candidate_name(n: int) -> str:
    """A distinct fictitious name for each of the first 864 numbers, then a numbered one."""
    name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n // len(_SURNAMES)) % len(_GIVEN)]
    rounds = n // (len(_SURNAMES) * len(_GIVEN))
    return name if rounds == 0 else f"{name}{rounds + 1}"


def sender(n: int) -> str:
    return f"unit{n:05d}@bench.test"


def sent_at(n: int) -> datetime:
    return FIRST_SENT + timedelta(minutes=37 * n)


@lru_cache(maxsize=2 * PHOTO_POOL)
def _base_photo(index: int, exif: bool) -> bytes:
    return photo_jpeg(PHOTO_BYTES, seed=1000 + index, camera=("HUAWEI", "ELE-AL00") if exif else None)


def unique_photo(index: int, tag: str, exif: bool = False) -> bytes:
    """A pool photo with a COM segment naming ``tag`` after SOI: other bytes, same picture."""
    base = _base_photo(index % PHOTO_POOL, exif)
    comment = f"shenbao-bench {tag}".encode()
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + base[2:]


def nomination(n: int, exif: bool = False) -> bytes:
    """Mail number ``n`` of the benchmark mailbox (the same bytes on every machine)."""
    unit, candidate, sent = _UNITS[n % len(_UNITS)], candidate_name(n), sent_at(n)
    short = unit.removesuffix("总工会").removesuffix("工会")
    signed = f"{sent.year}年{sent.month}月{sent.day}日"
    files = [
        (f"{short}-{candidate}-推荐表.docx", form_docx(candidate, unit, date=signed)),
        (f"{candidate}事迹材料.docx", deeds_docx(candidate)),
        ("征信查询截图.png", screenshot_png("信用中国", candidate)),
        *[(f"工作照{k}.jpg", unique_photo(3 * n + k, f"{n}-{k}", exif)) for k in (1, 2, 3)],
    ]
    text = (f"陈老师：\n    您好！现将{unit}推荐的“最美职工”候选人{candidate}同志的推荐材料报送给您，请查收。\n"
            f"    联系人：张老师，电话：13800000000\n\n{unit}\n{signed}")
    html = "".join(f"<div>{line}</div>" for line in text.split("\n"))
    return build_email(from_addr=sender(n), from_name=unit, subject=f"“最美职工”推荐材料-{unit}-{candidate}",
                       text=text, html=html, attachments=files, date=sent, client=_CLIENTS[n % len(_CLIENTS)])


def _write(args: tuple[int, Path, bool]) -> int:
    n, path, exif = args
    data = nomination(n, exif)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return len(data)


def mailbox(cache: Path, count: int, exif: bool = False, workers: int = 2) -> list[Path]:
    """Paths of mails 0..count-1 under ``cache``, generating only the missing ones."""
    folder = cache / (f"mails-v{VERSION}" if exif else f"mails-v{VERSION}-noexif")
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{n:05d}.eml" for n in range(count)]
    missing = [(n, path, exif) for n, path in enumerate(paths) if not path.exists()]
    if missing:
        print(f"bench: generating {len(missing)} mails into {folder} (cached for the next run)", flush=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for done, _size in enumerate(pool.map(_write, missing, chunksize=4), start=1):
                if done % 50 == 0:
                    print(f"bench:   {done}/{len(missing)}", flush=True)
    return paths
