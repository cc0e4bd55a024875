"""A real headless Chromium (Debian's ``chromium``) driven over the DevTools protocol, for the tests.

The protocol runs over a pipe (``--remote-debugging-pipe``: JSON messages ending in NUL on
file descriptors 3 and 4), so no port, no websocket library and no driver binary are needed.
Only what the tests use is here: log in (an ``Authorization`` header on every request), open a
page, wait for it to load, evaluate JavaScript, fill in a form, click a link or a button,
download a file, take a screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--hide-scrollbars", "--remote-debugging-pipe"]
TIMEOUT = 30.0


class BrowserError(Exception):
    pass


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise BrowserError("chromium is not installed: run scripts/install-test-deps.sh")
    return found


class Browser:
    """One headless Chromium with one tab. Use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        self.profile = tempfile.mkdtemp(prefix="shenbao-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 carries its answers
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [chromium_binary(), *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "about:blank"],
            preexec_fn=wire_fds, pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: PLW1509 - dup2 only
            stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=self.session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=self.session)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol -----------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise BrowserError(f"chromium closed the pipe (exit code {self.process.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self._events.append(message)

    def _wait_event(self, name: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == name:
                    del self._events[: index + 1]
                    return
            self._events.append(self._read_message(deadline))

    # -- what the tests do ------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Navigate and wait for the load event (images included)."""
        self._events.clear()
        answer = self.call("Page.navigate", {"url": url}, session=self.session)
        if answer.get("errorText"):
            raise BrowserError(f"cannot open {url}: {answer['errorText']}")
        self._wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=self.session)
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def click(self, selector: str) -> None:
        """Click the element (a link) and wait for the page it opens."""
        self._events.clear()
        found = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                              " if (!e) return false; e.click(); return true; })()")
        if not found:
            raise BrowserError(f"nothing matches {selector}")
        self._wait_event("Page.loadEventFired")

    def authorize(self, user: str, password: str) -> None:
        """Send HTTP Basic credentials with every request from now on (as a browser does once logged in)."""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.call("Network.enable", session=self.session)
        self.call("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}, session=self.session)

    def fill(self, selector: str, value: str) -> None:
        """Type ``value`` into the input or textarea, or check the radio button / checkbox (``value`` ignored)."""
        done = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false;"
                             f" if (e.type === 'radio' || e.type === 'checkbox') e.checked = true;"
                             f" else e.value = {json.dumps(value)}; return true; }})()")
        if not done:
            raise BrowserError(f"nothing matches {selector}")

    def download(self, selector: str, folder: Path) -> Path:
        """Click the link and wait until the file it downloads is complete in ``folder``."""
        self.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder),
                                                  "eventsEnabled": True})
        self._events.clear()
        found = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                              " if (!e) return false; e.click(); return true; })()")
        if not found:
            raise BrowserError(f"nothing matches {selector}")
        name = ""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for event in self._events:
                if event["method"] == "Browser.downloadWillBegin":
                    name = event["params"]["suggestedFilename"]
                if event["method"] == "Browser.downloadProgress" and event["params"]["state"] == "completed":
                    return folder / name
                if event["method"] == "Browser.downloadProgress" and event["params"]["state"] == "canceled":
                    raise BrowserError(f"the download from {selector} was cancelled")
            self._events.clear()
            self._events.append(self._read_message(deadline))

    @property
    def text(self) -> str:
        return str(self.evaluate("document.body.innerText"))

    @property
    def url(self) -> str:
        return str(self.evaluate("location.href"))

    def screenshot(self, path: Path) -> Path:
        """A full-page PNG."""
        size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        answer = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                      "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1],
                                                               "scale": 1}}, session=self.session)
        path.write_bytes(base64.b64decode(answer["data"]))
        return path
