"""Stage 2b, authorise: who may speak for whom. Standardised | UnderReview -> the same, or a Refusal.

A record names who decided it and who supplied its data: the credit codes at its model's
``AUTHORITY_CODE_PATHS`` (``authority_credit_code``, ``data_source_credit_code``) and the system
ids at its ``AUTHORITY_SYSTEM_PATHS`` (``department``, ``raised_by``, ``enforcing_department``).
Each must be the sender's own, as the systems catalogue records it (``credit_codes``, and the
sender's id), or the record is refused with ``authority.not_sender``, one problem per field, so
the source hears which field and the record waits in quarantine with its original body.

The exception is a relay: a system whose catalogue entry ``relays`` the record type (the city
platform, the legal-entity library, ...) may name any authority in those records.

A sender with no ``credit_codes`` may name no authority code at all: a missing catalogue entry
must not open the door (security by default); the shipped catalogue gives every department
its codes, and the platforms relay what they send in others' names.

A stage of its own, after standardise and before route: it reads the unified record (codes
already repaired, so a full-width copy of the sender's own code passes) and the catalogue,
which the standard's validation knows nothing about; ``hub validate`` checks a record without a
sender, so this cannot live in validation. It runs on records under review too, so a record
in another's name is never parked for a person to release. It leaves no hop when it passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import schemas
from hub.config.system_catalogue import SystemCatalogue
from hub.pipeline.forms import Refusal, Standardised, UnderReview
from schemas.contract.problems import AUTHORITY_NOT_SENDER, Problem


def authorise(
    form: Standardised | UnderReview, systems: SystemCatalogue
) -> Standardised | UnderReview | Refusal:
    """``form`` unchanged when its sender may speak for every authority it names, else a
    refusal with one ``authority.not_sender`` problem per offending field (and the repairs and
    credit code standardise found, for the feedback)."""
    problems = tuple(authority_problems(form.input.source, form.input.record_type,
                                        form.input.schema_version, form.record, systems))
    if not problems:
        return form
    return Refusal(form.input, form.hops, problems, form.repairs, form.credit_code)


def authority_problems(
    source: str,
    record_type: str,
    schema_version: str,
    record: Mapping[str, Any],
    systems: SystemCatalogue,
) -> Iterator[Problem]:
    """An ``authority.not_sender`` problem for each field of ``record`` naming an authority
    that ``source`` may not speak for; none when ``source`` relays ``record_type``."""
    sender = systems.get(source)
    if sender is not None and sender.relays_type(record_type):
        return
    model = schemas.model_for(record_type, schema_version)
    own = sender.credit_codes if sender is not None else ()
    for path in model.AUTHORITY_CODE_PATHS:
        code = _at(record, path)
        if code is None or code in own:
            continue
        if own:
            why = f"not a credit code of {source} ({', '.join(own)})"
        else:
            why = f"and the hub's catalogue declares no credit code for {source}"
        yield Problem(AUTHORITY_NOT_SENDER, path, f"{path} {code} is {why}; only a relay of "
                      f"{record_type} records may send them in another authority's name")
    for path in model.AUTHORITY_SYSTEM_PATHS:
        system = _at(record, path)
        if system is None or system == source:
            continue
        yield Problem(AUTHORITY_NOT_SENDER, path, f"{path} is {system!r}, not the sender "
                      f"{source!r}; only a relay of {record_type} records may send them in "
                      "another system's name")


def _at(record: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in ``record``, or None when any step is absent."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value
