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

# (host suffix, path pattern): the host ends with the suffix and the path (with query) matches.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # NetEase mail: 超大附件 and 文件中转站 (163.com, 126.com, yeah.net, 188.com, vip.163.com)
    ("163.com", re.compile(r"large-?attach|/fs/|filehub|bigattach|/ftn", re.IGNORECASE)),
    ("126.com", re.compile(r"large-?attach|/fs/|filehub|bigattach", re.IGNORECASE)),
    ("yeah.net", re.compile(r"large-?attach|/fs/|filehub|bigattach", re.IGNORECASE)),
    ("188.com", re.compile(r"large-?attach|/fs/|filehub|bigattach", re.IGNORECASE)),
    # QQ mail and Tencent enterprise mail: 超大附件 / 文件中转站 (ftn)
    ("mail.qq.com", re.compile(r"ftn", re.IGNORECASE)),
    ("exmail.qq.com", re.compile(r"ftn", re.IGNORECASE)),
    ("ftn.qq.com", re.compile(r".")),
    # Cloud drives
    ("pan.baidu.com", re.compile(r"/s/|/share", re.IGNORECASE)),
    ("yun.baidu.com", re.compile(r"/s/|/share", re.IGNORECASE)),
    ("aliyundrive.com", re.compile(r"/s/", re.IGNORECASE)),
    ("alipan.com", re.compile(r"/s/", re.IGNORECASE)),
    ("cloud.189.cn", re.compile(r"/t/|/web/share", re.IGNORECASE)),
    ("weiyun.com", re.compile(r".")),
    ("pan.quark.cn", re.compile(r"/s/", re.IGNORECASE)),
    ("caiyun.139.com", re.compile(r".")),
    ("yun.139.com", re.compile(r".")),
    ("115.com", re.compile(r"/s/", re.IGNORECASE)),
    ("cowtransfer.com", re.compile(r"/s/", re.IGNORECASE)),
    ("wenshushu.cn", re.compile(r"/f/|/box/", re.IGNORECASE)),
    ("lanzoux.com", re.compile(r".")),
    ("lanzoui.com", re.compile(r".")),
    ("lanzouw.com", re.compile(r".")),
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
