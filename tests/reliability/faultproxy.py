"""A loopback TCP proxy that breaks connections on purpose: the flaky network to 163.com.

Any protocol (IMAP, SMTP) passes through unchanged until the connection's planned fault
strikes, after a number of bytes in one direction:

- ``drop``: both sides are closed (FIN), as a server restart or a NAT timeout does;
- ``reset``: the client gets a TCP RST (SO_LINGER 0), as a firewall or a crashed peer gives;
- ``stall``: nothing more is forwarded either way, the connection stays open: only the
  client's own timeout gets it out.

``plan`` holds one fault (or None) per new connection, in order; connections beyond the plan
pass clean. ``cut()`` drops every open connection at once; ``down`` refuses new ones (RST).
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

from tests.servers_loopback import HOST, serve, shut

_CHUNK = 65536


@dataclass(frozen=True)
class Fault:
    kind: str  # "drop" | "reset" | "stall"
    after: int = 0  # bytes forwarded in ``direction`` before it strikes
    direction: str = "down"  # "down": server -> client; "up": client -> server


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    fault: Fault | None
    counted: dict[str, int] = field(default_factory=lambda: {"down": 0, "up": 0})
    broken: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class FaultProxy:
    upstream_port: int
    plan: list[Fault | None] = field(default_factory=list)
    down: bool = False
    port: int = 0
    connections: int = 0
    injected: list[Fault] = field(default_factory=list)
    _listener: socket.socket = field(init=False, repr=False)
    _links: list[_Link] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FaultProxy:
        self._listener, self.port = serve(32, self._accept)
        return self

    def stop(self) -> None:
        self._listener.close()
        self.cut()

    def cut(self) -> int:
        """Drop every open connection now; returns how many were cut."""
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            shut(link.client, link.server)
        return len(links)

    def _accept(self, client: socket.socket) -> None:
        if self.down:
            _reset(client)
            self.injected.append(Fault("reset"))
            return
        with self._lock:
            fault = self.plan[self.connections] if self.connections < len(self.plan) else None
            self.connections += 1
        try:
            server = socket.create_connection((HOST, self.upstream_port))
        except OSError:
            _reset(client)
            return
        link = _Link(client, server, fault)
        with self._lock:
            self._links.append(link)
        threading.Thread(target=self._pump, args=(link, "up"), daemon=True).start()
        threading.Thread(target=self._pump, args=(link, "down"), daemon=True).start()

    def _pump(self, link: _Link, direction: str) -> None:
        source, target = (link.client, link.server) if direction == "up" else (link.server, link.client)
        fault = link.fault if link.fault is not None and link.fault.direction == direction else None
        try:
            while data := source.recv(_CHUNK):
                if link.broken.is_set():
                    continue  # stalled: swallow everything until the client gives up
                if fault is not None and link.counted[direction] + len(data) >= fault.after:
                    target.sendall(data[: max(0, fault.after - link.counted[direction])])
                    self._strike(link, fault)
                    if fault.kind != "stall":
                        return
                    continue
                target.sendall(data)
                link.counted[direction] += len(data)
        except OSError:
            pass
        shut(link.client, link.server)

    def _strike(self, link: _Link, fault: Fault) -> None:
        with link.lock:
            if link.broken.is_set():
                return
            link.broken.set()
        self.injected.append(fault)
        if fault.kind == "reset":
            _reset(link.client)
            shut(link.server)
        elif fault.kind == "drop":
            shut(link.client, link.server)


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
