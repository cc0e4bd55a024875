"""Large-attachment and cloud-drive links are found in text and HTML bodies; ordinary links are not."""

from __future__ import annotations

import pytest

from ingest.links import MAX_LINKS, find_cloud_links, is_cloud_link

CLOUD = [
    "https://mail.163.com/large-attachment-download/index.html?p=X1MOOkiJ&file=3Dfe1",
    "http://mail.126.com/large-attachment-download/?p=abc",
    "https://wx.mail.qq.com/ftn/download?func=3&k=0e1a2b3c&key=0e1a2b3c&code=9f8e",
    "https://mail.qq.com/cgi-bin/ftnExs_download?k=5c6d7e&t=exs_ftn_download&code=1a2b",
    "https://iwx.mail.qq.com/ftn/download?func=3&k=abc",
    "http://dts.xa.ftn.qq.com/ftn_handler/4bb9288183/?fname=photo.zip",
    "https://pan.baidu.com/s/1AbCdEfGhIjK?pwd=8h2k",
    "https://www.aliyundrive.com/s/Ab12Cd34",
    "https://share.weiyun.com/Ab12Cd34",
]
ORDINARY = [
    "https://mail.163.com/", "https://mail.qq.com/cgi-bin/frame_html", "https://www.baidu.com/s?wd=信用中国",
    "http://www.creditchina.gov.cn/", "https://zxgk.court.gov.cn/", "https://pan.baidu.com/",
]


@pytest.mark.parametrize("url", CLOUD)
def test_cloud_links_are_recognised(url: str) -> None:
    assert is_cloud_link(url)


@pytest.mark.parametrize("url", ORDINARY)
def test_ordinary_links_are_not_cloud_links(url: str) -> None:
    assert not is_cloud_link(url)


def test_links_come_from_text_and_html_hrefs_unescaped_and_deduplicated() -> None:
    text = f"照片太大，用超大附件发送：{CLOUD[2]}，请下载。\n也可以从网盘下载（{CLOUD[6]}）。"
    html = (f'<p>从网易邮箱发来的超大附件</p><a href="{CLOUD[0].replace("&", "&amp;")}">照片.zip</a>'
            f'<a href="{CLOUD[2].replace("&", "&amp;")}">再次</a><a href="https://mail.163.com/">网易邮箱</a>')
    assert find_cloud_links(text, html) == (CLOUD[2], CLOUD[6], CLOUD[0])


def test_a_body_full_of_links_gives_a_bounded_list() -> None:
    text = "\n".join(f"https://pan.baidu.com/s/{n:06d}" for n in range(500))
    assert len(find_cloud_links(text, "")) == MAX_LINKS
