""".doc, .wps and .rtf to .docx with LibreOffice headless, so one reader (read_docx) reads them all.

LibreOffice runs once per mail for all its documents, with a time limit, a fresh private
profile (``-env:UserInstallation``), HOME and TMPDIR inside a scratch directory under the
caller's work dir, and a cap on the size of files it may write. The scratch directory is
removed afterwards: nothing is left behind and nothing is written outside the work dir.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

SOFFICE_NAMES = ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice")
MAX_OUTPUT_BYTES = 200 * 1024 * 1024  # RLIMIT_FSIZE of the converter
NO_CONVERTER = "服务器未安装 LibreOffice，暂无法读取旧版 Word（.doc/.wps）或 RTF 文件，请另存为 .docx 后发送"
TIMED_OUT = "文档转换超时（文件可能过于复杂或已损坏），请另存为 .docx 后发送"
FAILED = "文档已损坏或格式无法识别，无法打开，请另存为 .docx 后发送"


def soffice_path() -> str:
    """The LibreOffice executable, "" when none is installed."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return ""


def _limited(command: list[str]) -> list[str]:
    """``command`` under util-linux ``prlimit`` (file size cap, no core dumps) when it is there.
    (Not ``preexec_fn``: that may deadlock in a process with threads, like the daemon.)"""
    prlimit = shutil.which("prlimit")
    if not prlimit:
        return command
    return [prlimit, f"--fsize={MAX_OUTPUT_BYTES}", "--core=0", "--", *command]


def _run(command: list[str], scratch: Path, timeout: int) -> bool:
    """Run the converter in its own process group; False when it timed out (the group is killed)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch / "home"),
           "TMPDIR": str(scratch / "tmp"), "LANG": "C.UTF-8", "SAL_USE_VCLPLUGIN": "svp"}
    for sub in ("home", "tmp"):
        (scratch / sub).mkdir(exist_ok=True)
    process = subprocess.Popen(_limited(command), cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return False
    if process.returncode:
        log.info("LibreOffice exited %s: %s", process.returncode, errors.decode(errors="replace")[-500:])
    return True


def to_docx(documents: dict[str, tuple[bytes, str]], workdir: Path, timeout: int) -> dict[str, bytes | str]:
    """Convert each ``key -> (bytes, suffix)`` to .docx bytes in one LibreOffice run.

    Returns ``key -> docx bytes``, or ``key -> Chinese reason`` when it could not be converted.
    ``suffix`` (".doc", ".wps", ".rtf") only tells LibreOffice which filter to try first.
    """
    if not documents:
        return {}
    soffice = soffice_path()
    if not soffice:
        return {key: NO_CONVERTER for key in documents}
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="convert-") as temp:
        scratch = Path(temp)
        sources = scratch / "in"
        sources.mkdir()
        names: dict[str, str] = {}
        for index, (key, (data, suffix)) in enumerate(documents.items()):
            name = f"d{index}{suffix if suffix in ('.doc', '.wps', '.rtf') else '.doc'}"
            (sources / name).write_bytes(data)
            names[key] = name
        command = [soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   f"-env:UserInstallation={(scratch / 'profile').as_uri()}", "--convert-to", "docx",
                   "--outdir", str(scratch / "out"), *(str(sources / n) for n in names.values())]
        finished = _run(command, scratch, timeout)
        results: dict[str, bytes | str] = {}
        for key, name in names.items():
            target = scratch / "out" / (Path(name).stem + ".docx")
            if target.is_file() and target.stat().st_size > 0:
                results[key] = target.read_bytes()
            else:
                results[key] = FAILED if finished else TIMED_OUT
        return results
