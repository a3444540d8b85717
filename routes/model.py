"""The shape of a route file (``routes/rules/*.yaml``), validated with pydantic.

A route file is::

    description: what the file is about            # optional
    routes:
      - id: share-to-city-platform                   # unique across all files
        description: why the route exists
        match:
          record_type: [administrative_penalty, ...]   # one id or a list
          source: market                               # one id or a list; omitted = any source
          fields:                                      # predicates on dotted payload paths
            event: {equals: establishment}
            business_scope.licensed_items: {exists: true}
            changes: {any_item: {item: {in: [经营范围]}}}
        to: [city-platform]                            # static destinations, or:
        resolver: field                                # computed destinations
        field: enforcing_departments                   # option of the ``field`` resolver
        allow_back_to_source: false                    # default: never route back to the source
    examples:
      - name: a penalty goes up
        record_type: administrative_penalty
        source: market
        payload: {...}
        expect: {city-platform: [share-to-city-platform]}   # destination -> rule ids
        problems: []                                         # expected problem codes

Unknown keys are rejected everywhere (``extra="forbid"``) so a typo is a start-up error, not a
silently ignored option. Checks that need the systems catalogue or the record types (unknown
destination, unknown resolver ...) live in :mod:`routes.checks`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A value a predicate compares with. Payloads are JSON, so these are the JSON scalars.
Scalar = str | int | float | bool

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Predicate(BaseModel):
    """Conditions on the value at one payload path; every condition given must hold.

    - ``equals``: the value equals this scalar.
    - ``in``: the value is one of these scalars.
    - ``exists``: ``true`` = present and not empty (not null, ``""``, ``[]`` or ``{}``);
      ``false`` = absent or empty.
    - ``prefix``: the value is a string starting with this text.
    - ``contains``: the value is a list with an item equal to this scalar.
    - ``any_item``: the value is a list with at least one object item for which all these
      nested predicates (keyed by dotted path inside the item) hold.
    """

    model_config = _STRICT

    equals: Scalar | None = Field(default=None, description="The value equals this.")
    in_: list[Scalar] | None = Field(
        default=None, alias="in", description="The value is one of these."
    )
    exists: bool | None = Field(
        default=None, description="Present and non-empty (true) or not (false)."
    )
    prefix: str | None = Field(
        default=None, description="The value is a string with this prefix."
    )
    contains: Scalar | None = Field(
        default=None, description="The value is a list holding this."
    )
    any_item: dict[str, Predicate] | None = Field(
        default=None,
        description="Some object item of the list satisfies all these predicates.",
    )

    @model_validator(mode="after")
    def _needs_a_condition(self) -> Predicate:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError(
                "a predicate needs at least one of equals, in, exists, prefix, contains, any_item"
            )
        return self


class Match(BaseModel):
    """Which records a route applies to."""

    model_config = _STRICT

    record_type: str | list[str] = Field(
        description="Record type id, or a list of them."
    )
    source: str | list[str] | None = Field(
        default=None, description="Source system id(s); omitted means any source."
    )
    fields: dict[str, Predicate] = Field(
        default_factory=dict,
        description="Predicates on dotted payload paths; all must hold.",
    )

    @property
    def record_types(self) -> tuple[str, ...]:
        """The record types as a tuple, whether the file gave one or a list."""
        return (
            (self.record_type,)
            if isinstance(self.record_type, str)
            else tuple(self.record_type)
        )

    @property
    def sources(self) -> tuple[str, ...] | None:
        """The sources as a tuple, or ``None`` for any source."""
        if self.source is None:
            return None
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


class Rule(BaseModel):
    """One route: a match and either static destinations (``to``) or a ``resolver``."""

    model_config = _STRICT

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Unique id, lower-case with hyphens.",
    )
    description: str = Field(
        min_length=1, description="Why the route exists (the business flow)."
    )
    match: Match = Field(description="Which records the route applies to.")
    to: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Static destinations: system ids or 'claim'.",
    )
    resolver: str | None = Field(
        default=None, description="Name of a resolver that computes destinations."
    )
    field: str | None = Field(
        default=None, description="Payload path read by the 'field' resolver."
    )
    allow_back_to_source: bool = Field(
        default=False, description="Allow a destination equal to the record's source."
    )

    @model_validator(mode="after")
    def _static_or_resolver(self) -> Rule:
        if (self.to is None) == (self.resolver is None):
            raise ValueError(
                "give exactly one of 'to' (static destinations) or 'resolver'"
            )
        if self.field is not None and self.resolver is None:
            raise ValueError(
                "'field' is an option of a resolver; it needs 'resolver: field'"
            )
        return self


class Example(BaseModel):
    """A record and how it must route; lint and the tests run every example."""

    model_config = _STRICT

    name: str = Field(min_length=1, description="What the example shows.")
    record_type: str = Field(description="Record type id of the example record.")
    source: str = Field(description="System id the record came from.")
    payload: dict[str, Any] = Field(description="The unified-form payload (JSON form).")
    expect: dict[str, list[str]] = Field(
        description="Expected destinations, each with the ids of the rules that send it there."
    )
    problems: list[str] = Field(
        default_factory=list, description="Expected problem codes."
    )


class RouteFile(BaseModel):
    """A whole route file."""

    model_config = _STRICT

    description: str | None = Field(
        default=None, description="What the file's routes are about."
    )
    routes: list[Rule] = Field(
        min_length=1, description="The routes, applied in file order."
    )
    examples: list[Example] = Field(
        default_factory=list, description="Example records and outcomes."
    )
