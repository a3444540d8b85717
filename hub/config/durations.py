"""Durations as operators write them in configuration: ``10s``, ``5m``, ``2h``, ``1d``."""

from __future__ import annotations

import re

from schemas.contract.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+)([smhd])$")


def parse_duration(text: str) -> int:
    """Seconds in ``text`` (a positive whole number and one unit of s, m, h or d).

    Raises :class:`ConfigError` for anything else, zero included.
    """
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"{text!r} is not a duration like 10s, 5m, 2h or 1d")
    return int(match.group(1)) * _UNITS[match.group(2)]
