"""The broker-level retry schedule: how long a failed delivery waits before each new attempt.

Written as a comma-separated list of durations (``10s,1m,5m,30m,2h,6h``); each delay is one
RabbitMQ queue with that message TTL, so waits reaching hours cost the hub no memory and survive
restarts. After the last delay the message is dead-lettered.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.config.durations import parse_duration
from schemas.contract.errors import ConfigError


@dataclass(frozen=True)
class Delay:
    """One tier of the schedule: its label (as written, e.g. ``30m``) and length in ms."""

    label: str
    milliseconds: int

    @property
    def queue(self) -> str:
        """The delay queue (and its exchange, of the same name) for this tier."""
        return f"hub.delay.{self.label}"


def parse_schedule(text: str) -> tuple[Delay, ...]:
    """Parse ``10s,1m,2h`` (a delay may repeat: ``1m,1m,1m``); :class:`ConfigError` otherwise."""
    delays = []
    for part in (p.strip() for p in text.split(",")):
        try:
            seconds = parse_duration(part)
        except ConfigError as e:
            raise ConfigError(f"retry schedule {text!r}: {e}") from e
        delays.append(Delay(part, seconds * 1000))
    return tuple(delays)
