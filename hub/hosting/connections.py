"""How the hub reaches each system: the connections file (``HUB_CONNECTIONS_FILE``).

One entry per system id of the catalogue. ``inbound`` lists the adapters that take records in
from the system; ``outbound`` is the adapter that delivers the system's ``hub.out.<id>`` queue
(absent: the system reads that queue over AMQP itself). Each adapter entry is validated
against the ``Config`` model of the adapter its ``kind`` names, so a misspelt option stops
start-up with the file, the system and the key. Example::

    connections:
      market:
        mode: db
        provides: [administrative_licence, administrative_penalty]
        subscribes: [discipline_measure, feedback]
        inbound:
          - {kind: db-poll, url: "env:MARKET_DB_URL", table: hub_outbox, record_type: ...}
        outbound: {kind: db-write, url: "env:MARKET_DB_URL", table: hub_inbox}

A system's credit codes live in the systems catalogue (``schemas/data/systems.yaml``,
``credit_codes``), the one place the hub keeps them (the authorise stage holds records to them).
An entry may still carry the older ``credit_code`` key; when the catalogue's codes are given to
:meth:`Connections.load`, it must be one of them, or start-up stops: two sources that disagree
about who a system is would be worse than one.

``provides`` and ``subscribes`` are the system's declared contract: record types it sends and
record types it expects to receive. They document the agreement; the route files decide what
a system actually receives (tests/adapters/test_departments_file.py holds the shipped file to
the routes). ``mode`` is the exchange mode the system primarily uses; at least one of its
adapters must use it. ``cadence`` (optional: ``30m``, ``6h``, ``1d``) is how often the system
sends at least one record; a longer silence raises an alert (``hub_source_expected_interval_seconds``).

The ``legal-entity-library`` and ``credit-platform`` entries may carry ``lookup``: where the
system answers questions by credit code. It is written without ``kind`` and validated against
the ``Config`` of the system's lookup adapter (:data:`~hub.hosting.adapter_host.LOOKUP_KINDS`:
``legal-entity-lookup``, ``records-lookup``), so a misspelt key stops start-up like any
adapter option. With the library's, the hub verifies the records under review itself
(:mod:`hub.review`; without it they wait in ``hub.review`` for people); both serve live
profiles (:mod:`hub.information.live`)::

    legal-entity-library:
      lookup: {url: "https://library.example/entities/{credit_code}",
               auth: {type: bearer, token: "env:LIBRARY_TOKEN"}}
    credit-platform:
      lookup: {url: "https://credit.example/entities/{credit_code}/credit-records",
               auth: {type: bearer, token: "env:CREDIT_PLATFORM_TOKEN"}}
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import schemas
from adapters.registry import AdapterRegistry
from adapters.sdk.config import AdapterConfig, OutboundConfig
from adapters.sdk.lifecycle import Mode
from hub.config.durations import parse_duration
from hub.hosting.adapter_host import adapter_class, validate_config, validate_lookup
from schemas.contract.errors import ConfigError, validation_summary

#: The system whose lookup verifies credit codes under review.
LEGAL_ENTITY_LIBRARY = "legal-entity-library"
#: The system whose lookup tells a live profile the credit records it holds.
CREDIT_PLATFORM = "credit-platform"


class _Entry(BaseModel):
    """One system's entry as written in the file (adapter entries still raw)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="The system's name, for people.")
    credit_code: str | None = Field(
        default=None,
        description="The system owner's Unified Social Credit Code: kept for older files; the "
        "systems catalogue's credit_codes decide, and this must be one of them.",
    )
    mode: Mode | None = Field(default=None, description="The exchange mode the system uses.")
    provides: list[str] = Field(default_factory=list, description="Record types it sends.")
    subscribes: list[str] = Field(default_factory=list, description="Record types it receives.")
    cadence: str | None = Field(
        default=None,
        description="How often the system sends at least one record (10m, 2h, 1d); longer "
        "silence raises an alert. Default: the hub's source_cadence.",
    )
    inbound: list[dict[str, Any]] = Field(default_factory=list)
    outbound: dict[str, Any] | None = None
    lookup: dict[str, Any] | None = Field(
        default=None,
        description="legal-entity-library: where it answers lookups by credit code, to verify "
        "and enrich the records under review and for live profiles (the legal-entity-lookup "
        "adapter's options, without kind); credit-platform: where it answers which credit "
        "records it holds about an entity, for live profiles (records-lookup's options).",
    )

    @field_validator("credit_code")
    @classmethod
    def _valid_code(cls, value: str | None) -> str | None:
        if value is not None and (fault := schemas.check_credit_code(value)) is not None:
            raise ValueError(f"credit code {value!r} fails the check: {fault}")
        return value

    @field_validator("cadence")
    @classmethod
    def _cadence_is_a_duration(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_duration(value)
            except ConfigError as e:
                raise ValueError(str(e)) from e
        return value

    @field_validator("provides", "subscribes")
    @classmethod
    def _record_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(schemas.RECORD_TYPES))
        if unknown:
            raise ValueError(f"unknown record type(s): {', '.join(unknown)}")
        return value


class SystemConnection(BaseModel):
    """One system's validated connection: adapter configs checked against their models."""

    model_config = ConfigDict(frozen=True)

    system: str
    name: str | None = None
    credit_code: str | None = None
    mode: Mode | None = None
    provides: tuple[str, ...] = ()
    subscribes: tuple[str, ...] = ()
    cadence_seconds: int | None = None
    inbound: tuple[AdapterConfig, ...] = ()
    outbound: OutboundConfig | None = None
    #: The ``legal-entity-lookup`` adapter's validated config (legal-entity-library only).
    lookup: AdapterConfig | None = None


class Connections:
    """Every system's connection, by system id (empty when no file is configured)."""

    def __init__(self, connections: Collection[SystemConnection] = ()) -> None:
        self._by_system = {c.system: c for c in connections}

    def __iter__(self) -> Iterator[SystemConnection]:
        return iter(self._by_system.values())

    def __len__(self) -> int:
        return len(self._by_system)

    def get(self, system: str) -> SystemConnection | None:
        return self._by_system.get(system)

    def outbound(self) -> dict[str, OutboundConfig]:
        """System id -> its outbound adapter config, for the systems the hub delivers to."""
        return {c.system: c.outbound for c in self if c.outbound is not None}

    def cadence_seconds(self, system: str, default: int) -> int:
        """How often ``system`` is expected to send: its connection's cadence, or ``default``."""
        connection = self.get(system)
        if connection is None or connection.cadence_seconds is None:
            return default
        return connection.cadence_seconds

    def lookup(self) -> AdapterConfig | None:
        """How to look credit codes up in the legal-entity library (the config of its lookup
        adapter, for :func:`~hub.hosting.adapter_host.build_lookup`), if the file says."""
        library = self.get(LEGAL_ENTITY_LIBRARY)
        return library.lookup if library is not None else None

    def lookup_of(self, system: str) -> AdapterConfig | None:
        """``system``'s ``lookup`` block (its adapter's config), if the file gives one."""
        connection = self.get(system)
        return connection.lookup if connection is not None else None

    @classmethod
    def load(
        cls,
        path: Path | None,
        systems: Collection[str],
        registry: AdapterRegistry | None = None,
        *,
        credit_codes: Mapping[str, Collection[str]] | None = None,
    ) -> Connections:
        """Read and check a connections file, or every ``*.yaml`` file of a folder (None: no
        adapters, every system on AMQP). A system named in two files of a folder is an error.

        ``credit_codes``: each system's codes in the systems catalogue; an entry's
        ``credit_code`` must be one of its system's (unchecked when None).
        Raises :class:`ConfigError` naming the file, the system and the problem.
        """
        if path is None:
            return cls()
        registry = registry or AdapterRegistry()
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        if not files:
            raise ConfigError(f"{path}: the folder holds no connections file (*.yaml)")
        connections: list[SystemConnection] = []
        read_from: dict[str, Path] = {}
        for file in files:
            for connection in _read(file, systems, registry):
                if connection.system in read_from:
                    raise ConfigError(f"{file}: {connection.system} is also in "
                                      f"{read_from[connection.system]}")
                read_from[connection.system] = file
                if credit_codes is not None:
                    _agrees_with_catalogue(file, connection,
                                           credit_codes.get(connection.system, ()))
                connections.append(connection)
        return cls(connections)


def _read(path: Path, systems: Collection[str], registry: AdapterRegistry
          ) -> list[SystemConnection]:
    """The entries of one connections file, each checked."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read the connections file: {e}") from e
    if not isinstance(document, dict) or set(document) - {"connections"}:
        raise ConfigError(f"{path}: the file must hold one mapping, 'connections'")
    entries = document.get("connections") or {}
    unknown = sorted(set(entries) - set(systems))
    if unknown:
        raise ConfigError(f"{path}: unknown system(s): {', '.join(unknown)}")
    return [_connection(path, system, raw, registry) for system, raw in entries.items()]


def _agrees_with_catalogue(path: Path, connection: SystemConnection, codes: Collection[str]) -> None:
    if connection.credit_code is not None and connection.credit_code not in codes:
        raise ConfigError(
            f"{path}: {connection.system}: credit_code {connection.credit_code} is not one of the "
            f"system's credit_codes in the systems catalogue ({', '.join(codes) or 'none'}); "
            "the catalogue is where a system's codes are kept"
        )


def _connection(
    path: Path, system: str, raw: Any, registry: AdapterRegistry
) -> SystemConnection:
    where = f"{path}: {system}"
    try:
        entry = _Entry.model_validate(raw or {})
        inbound = tuple(validate_config(registry, item) for item in entry.inbound)
        outbound = None
        if entry.outbound is not None:
            config = validate_config(registry, entry.outbound)
            if not isinstance(config, OutboundConfig):
                raise ConfigError(f"adapter {config.kind!r} is not an outbound adapter")
            outbound = config
        lookup = None if entry.lookup is None else _lookup(registry, entry.lookup, system)
    except ValidationError as e:
        raise ConfigError(f"{where}: {validation_summary(e)}") from e
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from e
    for config in inbound:
        if adapter_class(registry, config.kind).direction != "inbound":
            raise ConfigError(f"{where}: adapter {config.kind!r} cannot be used for inbound")
    modes = {adapter_class(registry, c.kind).mode for c in (*inbound, *([outbound] if outbound else []))}
    if entry.mode is not None and modes and entry.mode not in modes:
        raise ConfigError(
            f"{where}: mode {entry.mode!r} is not the mode of any of its adapters ({sorted(modes)})"
        )
    return SystemConnection(
        system=system,
        name=entry.name,
        credit_code=entry.credit_code,
        mode=entry.mode,
        provides=tuple(entry.provides),
        subscribes=tuple(entry.subscribes),
        cadence_seconds=None if entry.cadence is None else parse_duration(entry.cadence),
        inbound=inbound,
        outbound=outbound,
        lookup=lookup,
    )


def _lookup(registry: AdapterRegistry, raw: dict[str, Any], system: str) -> AdapterConfig:
    """``system``'s ``lookup`` block validated; its errors say they are about ``lookup``."""
    try:
        return validate_lookup(registry, raw, system)
    except ValidationError as e:
        raise ConfigError(f"lookup: {validation_summary(e)}") from e
    except ConfigError as e:
        raise ConfigError(f"lookup: {e}") from e
