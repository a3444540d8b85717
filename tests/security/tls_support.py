"""Helpers of the HTTP-door attack tests: raw clients that misbehave on purpose.

Each speaks plain TCP, or TLS when given an :class:`ssl.SSLContext` (the attack then comes
after a completed handshake, as from a client that holds a trusted certificate)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def connect(url: str, timeout: float, context: ssl.SSLContext | None = None) -> socket.socket:
    """A connection to ``url``'s host and port; over TLS (handshake done) with ``context``."""
    host, port = address(url)
    s = socket.create_connection((host, port), timeout=timeout)
    if context is None:
        return s
    try:
        return context.wrap_socket(s, server_hostname=host)
    except BaseException:
        s.close()
        raise


def raw_exchange(url: str, head: bytes, body: bytes = b"", *, timeout: float = 10.0,
                 context: ssl.SSLContext | None = None) -> bytes:
    """Send ``head`` (and ``body``) on a fresh connection (TLS with ``context``); what the
    server answered, until it closed or went quiet for ``timeout`` seconds."""
    with connect(url, timeout, context) as s:
        s.sendall(head + body)
        return read_answer(s)


def read_answer(s: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:") and \
                            len(rest) >= int(line.split(b":")[1]):
                        return data
    except (TimeoutError, ConnectionResetError, ssl.SSLError):
        pass  # a TLS peer that closes without close_notify ends the answer too
    return data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


class Slowloris:
    """``count`` connections, each sending ``opening`` at once, then ``prefix`` one byte every
    ``pause`` seconds (and ``x`` after it), for as long as the server keeps them open.
    ``closed`` counts those the server ended. TLS with ``context``."""

    def __init__(self, url: str, prefix: bytes, count: int, pause: float = 1.0, *,
                 opening: bytes = b"", context: ssl.SSLContext | None = None) -> None:
        self.url, self.prefix, self.count, self.pause = url, prefix, count, pause
        self.opening, self.context = opening, context
        self.closed = 0
        self.answers: list[bytes] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._drip, daemon=True) for _ in range(count)]

    @contextmanager
    def running(self) -> Iterator[Slowloris]:
        for thread in self._threads:
            thread.start()
        time.sleep(self.pause * 1.5)  # every connection open and dripping
        try:
            yield self
        finally:
            self._stop.set()
            for thread in self._threads:
                thread.join(10)

    def _drip(self) -> None:
        with connect(self.url, 30, self.context) as s:
            if self.opening:
                s.sendall(self.opening)
            s.settimeout(self.pause)
            for i in range(len(self.prefix) * 1000):
                if self._stop.is_set():
                    return
                try:
                    s.sendall(self.prefix[i % len(self.prefix):][:1] if i < len(self.prefix)
                              else b"x")
                    answer = s.recv(65536)
                    if answer:  # over TLS the body may come in a record of its own
                        answer += read_answer(s)
                except TimeoutError:
                    continue  # the server is still waiting for us: keep dripping
                except OSError:
                    answer = b""
                with self._lock:
                    self.closed += 1
                    self.answers.append(answer)
                return
