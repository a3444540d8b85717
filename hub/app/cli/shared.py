"""What every command shares: settings loading and mapping hub errors to exit codes.

Exit codes from the hub's error tree (:mod:`schemas.contract.errors`): any :class:`ConfigError`
(the config file, a route or mapping file, the systems catalogue, an adapter's options) is 2,
:class:`BrokerUnavailable` is 3, each with one message on stderr and no traceback. The ``hub``
group applies this around every command (:class:`HubGroup`), so no command can forget it.
"""

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
    """Turn configuration and broker errors into a one-line message and exit code 2 or 3.

    Commands may still use it around their own work; the group's wrapper then finds nothing.
    """
    from schemas.contract.errors import BrokerUnavailable, ConfigError

    try:
        yield
    except ConfigError as e:
        click.echo(f"configuration error: {e}", err=True)
        sys.exit(2)
    except BrokerUnavailable as e:
        click.echo(f"broker unavailable: {e}", err=True)
        sys.exit(3)


class HubGroup(click.Group):
    """The ``hub`` group: runs every subcommand inside :func:`exit_codes`."""

    def invoke(self, ctx: click.Context) -> Any:
        with exit_codes():
            return super().invoke(ctx)


def echo_json(value: Any) -> None:
    """One JSON document per line on standard output (UTF-8, not escaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))
