"""What validating one record produced: a status, the unified record, problems and repairs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from schemas.contract.problems import Problem

__all__ = ["Problem", "Repair", "Status", "Verdict"]

Status = Literal["valid", "repaired", "review", "rejected"]


@dataclass(frozen=True)
class Repair:
    """One change the hub made to a value before validating it; reported back to the source."""

    code: str
    path: str
    original: str
    repaired: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``validate_record``.

    - ``status``: "valid" (clean), "repaired" (valid after logged repairs), "review" (kept, but
      the legal-entity library or a person must confirm a credit code that fails only its check
      character: allow-listed, or with a self-consistent organisation code), "rejected".
    - ``record``: the unified JSON-ready dict; None exactly when the status is "rejected".
    - ``credit_code``: the Unified Social Credit Code the record is filed under, or None (natural
      persons, individual businesses with the placeholder, or no valid code found).
    """

    status: Status
    record: dict[str, Any] | None
    problems: tuple[Problem, ...] = field(default=())
    repairs: tuple[Repair, ...] = field(default=())
    credit_code: str | None = None

    @property
    def accepted(self) -> bool:
        """True when the record is kept (everything but "rejected")."""
        return self.status != "rejected"
