"""Ports for servers that are opened later than they are chosen (a simulator writes the port
into the hub's connections file; the hub binds it when it starts).

A port the kernel handed out for ``bind(0)`` comes from its ephemeral range, which it also
draws from for the source ports of outgoing connections: between choosing and binding, any
connection on the machine may take it. So ports are chosen below that range instead, at
random, and checked free now.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20_000


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now, outside the kernel's ephemeral range when it can be."""
    below = _ephemeral_start()
    for port in random.sample(range(_LOWEST, below), k=min(200, below - _LOWEST)):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # nothing free below the range: the kernel's choice
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _ephemeral_start() -> int:
    try:
        start = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        start = 32_768  # Linux's default
    return max(start, _LOWEST + 1)
