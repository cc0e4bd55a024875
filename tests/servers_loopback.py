"""Loopback primitives shared by the test mail servers: the host, a free port, a certificate.

``HOST`` is the loopback address every test server listens on, ``free_port`` asks the kernel for
an unused TCP port there, and ``make_certificate`` writes a self-signed localhost certificate
(used by Dovecot's TLS listener and by the STARTTLS / implicit-TLS SMTP fixtures). ``serve`` and
``shut`` are the listening and closing the two proxies (``servers_imap_proxy``,
``reliability/faultproxy``) share.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def serve(backlog: int, on_client: Callable[[socket.socket], None]) -> tuple[socket.socket, int]:
    """A socket listening on a free loopback port, and a thread handing each connection it accepts
    to ``on_client``; closing the socket ends the thread. Returns (socket, port)."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(backlog)

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            on_client(client)

    threading.Thread(target=accept, daemon=True).start()
    return listener, int(listener.getsockname()[1])


def shut(*sockets: socket.socket) -> None:
    """Shut down and close each socket (a FIN to its peer), whatever state it is in."""
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1, made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    key.chmod(0o644)  # read by Dovecot's unprivileged config process in tests only
    return cert, key
