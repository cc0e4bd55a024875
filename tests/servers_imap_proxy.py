"""A fault proxy in front of the test IMAP server that imitates NetEase (163.com) or breaks on purpose.

``ImapProxy`` forwards real bytes between a client and Dovecot over loopback, each direction in
its own thread. It answers SELECT/EXAMINE with ``NO Unsafe Login`` until the client has sent
``ID`` (as NetEase does), can hide ``ID`` from CAPABILITY, cut the next connection after a number
of bytes from the server, or cut every open connection at once. ``_Splitter`` cuts the IMAP
stream into lines and literals so commands are recognised even when they carry literals.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.servers_loopback import HOST, serve, shut


_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_CAPABILITY_ID = re.compile(rb" ID(?=[ \]\r])")


class _Splitter:
    """Cuts an IMAP byte stream into lines and literal chunks: ``(starts_command, is_line, data)``."""

    def __init__(self) -> None:
        self.buffer = b""
        self.literal = 0
        self.continued = False

    def feed(self, data: bytes) -> Iterator[tuple[bool, bool, bytes]]:
        self.buffer += data
        while self.buffer:
            if self.literal:
                chunk, self.buffer = self.buffer[:self.literal], self.buffer[self.literal:]
                self.literal -= len(chunk)
                yield False, False, chunk
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end + 2], self.buffer[end + 2:]
            starts = not self.continued
            match = _LITERAL.search(line)
            self.literal, self.continued = (int(match.group(1)), True) if match else (0, False)
            yield starts, True, line


@dataclass
class ImapProxy:
    """A loopback TCP proxy in front of an IMAP server that behaves like 163.com, or breaks on purpose.

    ``require_id``: SELECT/EXAMINE before ID get ``NO Unsafe Login`` (as NetEase answers).
    ``hide_id``: remove ID from CAPABILITY so a client has no reason to send it.
    ``drop_after``: the next connection is cut after that many bytes from the server.
    ``cut()``: cut every open connection at once.
    """

    upstream_port: int
    require_id: bool = True
    hide_id: bool = False
    drop_after: int | None = None
    connections: int = 0
    dropped: int = 0
    port: int = 0
    _listener: socket.socket = field(init=False, repr=False)
    _live: list[socket.socket] = field(default_factory=list)

    def start(self) -> ImapProxy:
        self._listener, self.port = serve(16, self._accept)
        return self

    def stop(self) -> None:
        self._listener.close()
        self.cut()

    def cut(self) -> None:
        """Cut every open connection now (as a server restart or a NAT timeout would)."""
        shut(*self._live)
        self._live.clear()

    def _accept(self, client: socket.socket) -> None:
        self.connections += 1
        server = socket.create_connection((HOST, self.upstream_port))
        self._live += [client, server]
        drop_after, self.drop_after = self.drop_after, None
        state = {"id_sent": False, "lock": threading.Lock()}
        threading.Thread(target=self._client_to_server, args=(client, server, state), daemon=True).start()
        threading.Thread(target=self._server_to_client, args=(client, server, state, drop_after),
                         daemon=True).start()

    def _client_to_server(self, client: socket.socket, server: socket.socket, state: dict[str, Any]) -> None:
        splitter = _Splitter()
        for data in _chunks(client, server):
            for starts, is_line, part in splitter.feed(data):
                words = part.split(None, 2) if starts and is_line else []
                command = words[1].upper() if len(words) >= 2 else b""
                state["id_sent"] = state["id_sent"] or command == b"ID"
                if self.require_id and not state["id_sent"] and command in (b"SELECT", b"EXAMINE"):
                    refusal = b" NO [UNAVAILABLE] " + command + b" Unsafe Login. Please contact kefu@188.com for help\r\n"
                    with state["lock"]:
                        client.sendall(words[0] + refusal)
                    continue
                server.sendall(part)

    def _server_to_client(self, client: socket.socket, server: socket.socket, state: dict[str, Any],
                          drop_after: int | None) -> None:
        splitter, sent = _Splitter(), 0
        for data in _chunks(server, client):
            parts = [data]
            if self.hide_id:
                parts = [_CAPABILITY_ID.sub(b"", part) if is_line and b"CAPABILITY" in part else part
                         for _, is_line, part in splitter.feed(data)]
            for part in parts:
                if drop_after is not None and sent + len(part) > drop_after:
                    with state["lock"]:
                        client.sendall(part[:drop_after - sent])
                    self.dropped += 1
                    shut(client, server)
                    return
                with state["lock"]:
                    client.sendall(part)
                sent += len(part)


def _chunks(source: socket.socket, other: socket.socket) -> Iterator[bytes]:
    try:
        while data := source.recv(65536):
            yield data
    except OSError:
        pass
    shut(source, other)
