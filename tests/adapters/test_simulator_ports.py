"""Ports chosen now and bound later stay clear of the kernel's ephemeral range."""

from __future__ import annotations

import socket
from pathlib import Path

from adapters.simulators.ports import free_port


def test_a_chosen_port_is_free_and_below_the_ephemeral_range() -> None:
    start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(20_000 <= port < start for port in ports)
    assert len(ports) > 1, "chosen at random, not always the same"
    with socket.socket() as server:
        server.bind(("127.0.0.1", ports.pop()))
