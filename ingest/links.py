"""Large-attachment and cloud-drive links in a mail body. Pure functions.

163/126/yeah.net and QQ mail replace attachments that are too big with an expiring download
link in the body ("超大附件", "文件中转站"); some senders paste a 网盘 share link instead. These
are found in the text and HTML bodies (hrefs included) so the nomination lists them and the
sender is told to attach the files directly. Nothing is downloaded.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

MAX_LINKS = 20
MAX_LINK_CHARS = 300
_URL = re.compile(r"""https?://[^\s"'<>()\[\]{}，。；、）（“”‘’]+""", re.IGNORECASE)
_TRAILING = ".,;:!?*"

_NETEASE = re.compile(r"large-?attach|/fs/|filehub|bigattach|/ftn", re.IGNORECASE)  # 超大附件, 文件中转站
_TENCENT = re.compile(r"ftn", re.IGNORECASE)  # QQ mail's 文件中转站 (ftn = file transfer node)
_SHARE = re.compile(r"/s/|/t/|/f/|/share|/box/", re.IGNORECASE)  # a cloud drive's share page
_ANY = re.compile(r".")

# (host suffix, path pattern): the host ends with the suffix and the path (with query) matches.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *((host, _NETEASE) for host in ("163.com", "126.com", "yeah.net", "188.com")),
    *((host, _TENCENT) for host in ("mail.qq.com", "exmail.qq.com")),
    ("ftn.qq.com", _ANY),
    *((host, _SHARE) for host in ("pan.baidu.com", "yun.baidu.com", "aliyundrive.com", "alipan.com", "cloud.189.cn",
                                  "pan.quark.cn", "115.com", "cowtransfer.com", "wenshushu.cn")),
    *((host, _ANY) for host in ("weiyun.com", "caiyun.139.com", "yun.139.com", "lanzoux.com", "lanzoui.com",
                                "lanzouw.com")),
)


def _host_matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def is_cloud_link(url: str) -> bool:
    """True for a large-attachment or cloud-drive download/share link."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    rest = f"{parts.path}?{parts.query}"
    return any(_host_matches(host, suffix) and pattern.search(rest) for suffix, pattern in _PATTERNS)


def find_cloud_links(text_body: str, html_body: str) -> tuple[str, ...]:
    """Every distinct cloud link in the bodies, in order of appearance, at most MAX_LINKS."""
    found: dict[str, None] = {}
    for source in (text_body, html.unescape(html_body)):
        for match in _URL.finditer(source):
            url = match.group(0).rstrip(_TRAILING)[:MAX_LINK_CHARS]
            if url not in found and is_cloud_link(url):
                found[url] = None
                if len(found) >= MAX_LINKS:
                    return tuple(found)
    return tuple(found)
