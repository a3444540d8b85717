"""What every command shares: settings loading and mapping hub errors to exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from hub.assembly import Hub
    from hub.config.settings import HubSettings


@dataclass
class CliState:
    config_file: Path | None
    broker_url: str | None

    def settings(self, **overrides: Any) -> HubSettings:
        from hub.config.settings import load_settings

        return load_settings(self.config_file, broker_url=self.broker_url, **overrides)

    def hub(self, **overrides: Any) -> Hub:
        from hub.assembly import Hub

        return Hub(self.settings(**overrides))


@contextmanager
def exit_codes() -> Iterator[None]:
    """Turn configuration and broker errors into a one-line message and exit code 2 or 3."""
    from schemas.contract.errors import BrokerUnavailable, ConfigError

    try:
        yield
    except ConfigError as e:
        click.echo(f"configuration error: {e}", err=True)
        sys.exit(2)
    except BrokerUnavailable as e:
        click.echo(f"broker unavailable: {e}", err=True)
        sys.exit(3)


def echo_json(value: Any) -> None:
    """One JSON document per line on standard output (UTF-8, not escaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))
