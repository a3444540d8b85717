"""What an adapter may leave behind after ``stop()``: threads and listening sockets.

:class:`Resources` is a snapshot of this process's live threads and listening sockets; the
conformance suite takes one before an adapter starts and compares after it stopped. Listening
sockets are read from ``/proc`` (Linux); elsewhere only threads are compared.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc/self")
_TCP_LISTEN = "0A"
_UNIX_ACCEPTING = 0x00010000  # __SO_ACCEPTCON: a listening Unix socket


def _own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir(_PROC / "fd"):
        try:
            target = os.readlink(_PROC / "fd" / fd)
        except OSError:  # closed between listing and reading
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _address(hex_address: str, family: socket.AddressFamily) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # /proc prints each 32-bit word of the address in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return f"{socket.inet_ntop(family, words)}:{int(port, 16)}"


def listening_sockets() -> set[str] | None:
    """This process's listening sockets (``tcp 127.0.0.1:8080``, ``unix /run/x.sock``); None
    where ``/proc`` cannot tell."""
    if not (_PROC / "net" / "tcp").exists():
        return None
    ours = _own_socket_inodes()
    found: set[str] = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = _PROC / "net" / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _TCP_LISTEN and fields[9] in ours:
                found.add(f"{name} {_address(fields[1], family)}")
    unix = _PROC / "net" / "unix"
    if unix.exists():
        for line in unix.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 6 and int(fields[3], 16) & _UNIX_ACCEPTING and fields[6] in ours:
                found.add(f"unix {fields[7] if len(fields) > 7 else '(unnamed)'}")
    return found


@dataclass(frozen=True)
class Resources:
    """Live threads and listening sockets at one moment."""

    threads: frozenset[threading.Thread]
    sockets: frozenset[str] | None

    @classmethod
    def now(cls) -> Resources:
        sockets = listening_sockets()
        return cls(frozenset(threading.enumerate()), None if sockets is None else frozenset(sockets))

    def left_over(self, grace: float) -> list[str]:
        """What exists now but not in this snapshot, after waiting up to ``grace`` seconds for
        it to go (a thread told to stop may take a moment to end); empty when nothing is left."""
        deadline = time.monotonic() + grace
        while True:
            later = Resources.now()
            threads = [t for t in later.threads if t not in self.threads and t.is_alive()]
            sockets: set[str] = set()
            if self.sockets is not None and later.sockets is not None:
                sockets = set(later.sockets - self.sockets)
            if not threads and not sockets:
                return []
            if time.monotonic() > deadline:
                return sorted(
                    [f"thread {t.name!r} (daemon={t.daemon})" for t in threads]
                    + [f"listening socket {s}" for s in sockets]
                )
            time.sleep(0.05)
