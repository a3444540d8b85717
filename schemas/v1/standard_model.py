"""The base of every model of standard version 1.0."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from schemas.validation_problems import Violation, raise_violations


class StandardModel(BaseModel):
    """A record or a block of one: unknown fields are refused, every field is described.

    Cross-field rules go in ``violations()``; they run after the fields have validated and each
    broken rule is reported with its own reason code and path.
    """

    model_config = ConfigDict(extra="forbid")

    #: Dotted path of the credit code the record is filed under (records only; None for blocks).
    FILING_PATH: ClassVar[str | None] = None
    #: Dotted paths of the credit codes that name who decided the record or supplied its data
    #: (records only). The hub refuses a record whose codes there are not its sender's, unless
    #: the sender relays that record type (``schemas/data/systems.yaml``).
    AUTHORITY_CODE_PATHS: ClassVar[tuple[str, ...]] = ()
    #: Dotted paths of the system ids that name the system that acted (inspected, raised,
    #: enforced); held to the sender's id the same way.
    AUTHORITY_SYSTEM_PATHS: ClassVar[tuple[str, ...]] = ()

    def violations(self) -> Iterator[Violation]:
        """The cross-field rules this instance breaks; none by default."""
        return iter(())

    @model_validator(mode="after")
    def _check_rules(self) -> StandardModel:
        raise_violations(list(self.violations()))
        return self


def required(model: BaseModel, field: str, condition: str) -> Iterator[Violation]:
    """A ``field.missing`` violation when ``field`` has no value; ``condition`` says why it must."""
    if getattr(model, field) in (None, []):
        yield Violation("field.missing", field, f"{field} is required {condition}")


def in_order(model: BaseModel, earlier: str, later: str) -> Iterator[Violation]:
    """A ``date.order`` violation when the ``later`` date lies before the ``earlier`` one."""
    first: date | None = getattr(model, earlier)
    second: date | None = getattr(model, later)
    if first is not None and second is not None and second < first:
        yield Violation("date.order", later, f"{later} {second} is before {earlier} {first}")
