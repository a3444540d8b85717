"""The broker-level retry schedule: how long a failed delivery waits before each new attempt.

Written as a comma-separated list of durations (``10s,1m,5m,30m,2h,6h``); each delay is one
RabbitMQ queue with that message TTL, so waits reaching hours cost the hub no memory and survive
restarts. After the last delay the message is dead-lettered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+)([smhd])$")


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
        match = _DURATION.match(part)
        if not match or int(match.group(1)) == 0:
            raise ConfigError(
                f"retry schedule {text!r}: {part!r} is not a duration like 10s, 5m, 2h or 1d"
            )
        delays.append(Delay(part, int(match.group(1)) * _UNITS[match.group(2)] * 1000))
    return tuple(delays)
