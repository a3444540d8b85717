"""The catalogue of systems the hub exchanges with (``schemas/data/systems.yaml``).

A system id is a system's name everywhere in the hub: the first part of the routing key it
publishes under, its outbound queue ``hub.out.<id>``, a route target and the addressee of
feedback. The catalogue is data: a 24th department is a new line in the YAML file.

It is also the one record of who may speak for whom: each system's own Unified Social Credit
Codes (``credit_codes``) and the record types it passes on in other systems' names
(``relays``), which the pipeline's authorise stage (:mod:`hub.pipeline.authorise`) holds
every record to, and of what each receives of a record's personal data (``disclosure``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import schemas
from schemas.contract.errors import ConfigError, validation_summary
from schemas.personal import Disclosure
from schemas.types.systems import SYSTEMS_FILE

SHIPPED_CATALOGUE = SYSTEMS_FILE
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
#: Ids the hub uses for its own queues; a system may not take them.
RESERVED_IDS = frozenset({"hub", "claim", "review", "quarantine", "inbound"})
#: In ``relays``: every record type.
ALL_TYPES = "*"


class System(BaseModel):
    """One connected system: a platform, the legal-entity library or a district department."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Stable lower-case id; the routing-key prefix and queue suffix.")
    kind: Literal["platform", "library", "department", "store"] = Field(
        description="What the system is; a store is the hub's own supervision database.")
    name: str = Field(description="Official Chinese name.")
    name_en: str = Field(description="English name for operators.")
    number: int | None = Field(
        default=None, description="Position in the project documents' list of 23 departments."
    )
    credit_codes: tuple[str, ...] = Field(
        default=(),
        description="The system's own Unified Social Credit Codes; a record it sends may name "
        "only these as its authority or data source (unless it relays that record type).",
    )
    relays: tuple[str, ...] = Field(
        default=(),
        description="Record types the system passes on in other systems' names ('*': all).",
    )
    disclosure: Disclosure = Field(
        default=Disclosure.WHOLE,
        description="What of a record's personal data the system receives: whole, or "
        "published (identity numbers masked as published decisions mask them), for a system "
        "that publishes what it receives.",
    )

    @field_validator("credit_codes")
    @classmethod
    def _valid_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if (fault := schemas.check_credit_code(code)) is not None:
                raise ValueError(f"credit code {code!r} fails the GB 32100 check: {fault}")
        if len(set(value)) != len(value):
            raise ValueError("a credit code is listed twice")
        return value

    @field_validator("relays")
    @classmethod
    def _record_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - {ALL_TYPES, *schemas.RECORD_TYPES})
        if unknown:
            raise ValueError(f"relays: unknown record type(s): {', '.join(unknown)}")
        return value

    def relays_type(self, record_type: str) -> bool:
        """Whether the system passes on ``record_type`` records in other systems' names."""
        return ALL_TYPES in self.relays or record_type in self.relays

    @field_validator("id")
    @classmethod
    def _id_is_a_routing_word(cls, value: str) -> str:
        if not _ID_PATTERN.match(value) or value in RESERVED_IDS:
            raise ValueError(
                f"system id {value!r} must be lower-case ASCII letters, digits and hyphens, "
                f"and not one of {sorted(RESERVED_IDS)}"
            )
        return value


class SystemCatalogue:
    """The known systems, by id."""

    def __init__(self, systems: list[System]) -> None:
        self._by_id: dict[str, System] = {}
        owners: dict[str, str] = {}
        for system in systems:
            if system.id in self._by_id:
                raise ConfigError(f"system id {system.id!r} appears twice in the catalogue")
            self._by_id[system.id] = system
            for code in system.credit_codes:
                # A shared code would let either system speak for the other.
                if (owner := owners.setdefault(code, system.id)) != system.id:
                    raise ConfigError(
                        f"credit code {code} is declared by both {owner!r} and {system.id!r}"
                    )

    @classmethod
    def load(cls, path: Path | None = None) -> SystemCatalogue:
        """Read and validate a catalogue file; the shipped one when ``path`` is None."""
        path = path or SHIPPED_CATALOGUE
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls([System.model_validate(item) for item in document["systems"]])
        except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
            raise ConfigError(f"{path}: cannot read the systems catalogue: {e}") from e
        except ValidationError as e:
            raise ConfigError(f"{path}: invalid system entry: {validation_summary(e)}") from e

    def __contains__(self, system_id: object) -> bool:
        return system_id in self._by_id

    def __iter__(self) -> Iterator[System]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, system_id: str) -> System | None:
        return self._by_id.get(system_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def sources(self) -> frozenset[str]:
        """The systems that may send to the hub: all but the hub's own stores."""
        return frozenset(s.id for s in self._by_id.values() if s.kind != "store")

    def disclosure(self, destination: str) -> Disclosure:
        """What of a record's personal data ``destination`` receives: its own policy; whole for
        the hub's own queues (review); published for anything the catalogue does not know."""
        system = self._by_id.get(destination)
        if system is not None:
            return system.disclosure
        return Disclosure.WHOLE if destination in RESERVED_IDS else Disclosure.PUBLISHED

    def credit_codes(self, system_id: str) -> tuple[str, ...]:
        """``system_id``'s own credit codes (none for an unknown system)."""
        system = self._by_id.get(system_id)
        return system.credit_codes if system is not None else ()

    def departments(self) -> list[System]:
        return [s for s in self._by_id.values() if s.kind == "department"]
