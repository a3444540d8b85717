"""``hub adapters list|show|new``: the adapters the hub knows, their options, and a new one.

``hub adapter new`` is the same as ``hub adapters new``. Exit codes as for every command:
``list`` exits 1 when an adapter cannot be loaded (it is listed with its error, the others
still are); ``show`` and ``new`` exit 2 on an unknown or unloadable adapter, a bad name or a
file that exists (``new`` never overwrites).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hub.app.cli.shared import echo_json, exit_codes

if TYPE_CHECKING:
    from adapters.registry import AdapterRegistry

#: The exchange modes (adapters.sdk.MODES, repeated so that --help imports nothing).
MODES = ("soap", "rest", "db", "file", "amqp")


def _registry() -> AdapterRegistry:
    from adapters.registry import AdapterRegistry

    return AdapterRegistry()


def _load(registry: AdapterRegistry, kind: str) -> type:
    """The adapter class of ``kind``; ConfigError saying why it cannot be had."""
    from adapters.sdk import Adapter
    from schemas.contract.errors import ConfigError

    try:
        cls = registry.load(kind)
    except ConfigError:
        raise
    except Exception as e:  # a third party's module may raise anything on import
        raise ConfigError(f"adapter {kind!r} ({registry.target(kind)}) cannot be loaded: "
                          f"{type(e).__name__}: {e}") from e
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ConfigError(f"{kind!r} is registered as {registry.target(kind)}, not an adapter")
    return cls


def describe(registry: AdapterRegistry, kind: str) -> dict[str, Any]:
    """One adapter as ``list`` shows it; ``error`` is None when it loads and is consistent."""
    from adapters.registry import BUILTIN_ADAPTERS
    from schemas.contract.errors import ConfigError

    target = registry.target(kind)
    row: dict[str, Any] = {
        "kind": kind, "direction": None, "mode": None, "summary": None, "module": target,
        "source": "built-in" if BUILTIN_ADAPTERS.get(kind) == target else "entry point",
        "error": None,
    }
    try:
        cls = _load(registry, kind)
    except ConfigError as e:
        row["error"] = str(e)
        return row
    row.update(direction=getattr(cls, "direction", None), mode=getattr(cls, "mode", None),
               summary=getattr(cls, "summary", ""))
    if getattr(cls, "kind", None) != kind:
        row["error"] = f"registered as {kind!r} but its class says kind {getattr(cls, 'kind', None)!r}"
    return row


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


@click.group()
def adapters() -> None:
    """List the adapters the hub knows, show their options, or start a new one."""


@click.group(hidden=True)
def adapter() -> None:
    """Same as ``hub adapters`` (for ``hub adapter new``)."""


@adapters.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document per adapter.")
def list_adapters(as_json: bool) -> None:
    """Every registered adapter (built-in and installed): kind, direction, mode, summary and
    module. One that cannot be loaded is listed with its error, and the exit code is 1."""
    registry = _registry()
    rows = [describe(registry, kind) for kind in registry.names()]
    if as_json:
        for row in rows:
            echo_json(row)
    else:
        _table(["KIND", "DIRECTION", "MODE", "MODULE", "SUMMARY"], [
            [r["kind"], r["direction"] or "-", r["mode"] or "-", r["module"],
             f"ERROR: {r['error']}" if r["error"] else r["summary"] or ""]
            for r in rows
        ])
    sys.exit(1 if any(r["error"] for r in rows) else 0)


@adapters.command()
@click.argument("kind")
@click.option("--json", "as_json", is_flag=True, help="The adapter and its options as JSON.")
@click.option("--markdown", is_flag=True, help="The reference section, as in docs/adapters.md.")
def show(kind: str, as_json: bool, markdown: bool) -> None:
    """The options of adapter KIND: name, type, default, required, secret, description."""
    from adapters.docs import adapter_section, options

    with exit_codes():
        registry = _registry()
        cls = _load(registry, kind)
        rows = options(cls.Config)  # type: ignore[attr-defined]
        target = registry.target(kind)
        if markdown:
            click.echo(adapter_section(kind, target, cls))
        elif as_json:
            echo_json({**describe(registry, kind),
                       "options": [vars(o) for o in rows]})
        else:
            summary = getattr(cls, "summary", "")
            click.echo(f"{kind}: {summary}" if summary else kind)
            click.echo(f"{cls.direction} · mode {cls.mode} · {target}\n")  # type: ignore[attr-defined]
            _table(["OPTION", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION"], [
                [o.name, o.type, o.default, "yes" if o.required else "no",
                 "yes" if o.secret else "no", o.description] for o in rows
            ])


@click.command("new")
@click.argument("name")
@click.option("--direction", type=click.Choice(["inbound", "outbound"]), default="inbound",
              show_default=True, help="Whether the adapter takes records in or delivers them.")
@click.option("--mode", type=click.Choice(MODES), default="rest", show_default=True,
              help="The exchange mode of the system it connects.")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the package to (default: ./NAME).")
def new(name: str, direction: str, mode: str, dest: Path | None) -> None:
    """Create a third-party adapter package NAME (the adapter's registered name, e.g.
    acme-licences): pyproject.toml with the entry point, config model, adapter class, a
    conformance test with its harness, and a README. Never overwrites a file."""
    from adapters.testing.scaffold import Scaffold, render, write

    scaffold = Scaffold(name, direction, mode)  # type: ignore[arg-type]
    target = dest or Path(name)
    try:
        scaffold.check(taken=_registry().names())
        written = write(render(scaffold), target)
    except (ValueError, FileExistsError) as e:
        click.echo(f"usage error: {e}", err=True)
        sys.exit(2)
    click.echo(f"created {direction} adapter {name!r} (mode {mode}) in {target}:")
    for path in written:
        click.echo(f"  {path.relative_to(target)}")
    click.echo(f'next: cd {target} && pip install -e ".[test]" && python -m pytest')


adapters.add_command(new)
adapter.add_command(new)
