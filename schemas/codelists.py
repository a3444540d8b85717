"""The standard's code lists, read from ``schemas/data/codelists.yaml``.

A code list maps each allowed value to a short meaning. The lists are data so that a corrected
fact (a renamed inspection result, a confirmed licence-status code) is a one-line change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

CODELISTS_FILE = Path(__file__).with_name("data") / "codelists.yaml"


@dataclass(frozen=True)
class CodeList:
    """One code list: its values (in order) with their meanings.

    ``other_prefix``, when set, also admits any longer text starting with it (the ID-type list
    takes "其他-<free text>").
    """

    name: str
    description: str
    values: Mapping[str, str]
    other_prefix: str | None = None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if value in self.values:
            return True
        prefix = self.other_prefix
        return prefix is not None and value.startswith(prefix) and len(value) > len(prefix)

    def describe(self) -> str:
        """The allowed values, as a message for people."""
        listed = ", ".join(self.values)
        if self.other_prefix:
            listed += f", or text starting with {self.other_prefix!r}"
        return listed


def load_codelists(path: Path = CODELISTS_FILE) -> Mapping[str, CodeList]:
    """Read a code-list file (ValueError when an entry is malformed)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    lists: dict[str, CodeList] = {}
    for name, entry in document.items():
        values = entry.get("values") if isinstance(entry, dict) else None
        if not isinstance(values, dict) or not values:
            raise ValueError(f"{path}: code list {name!r} needs a non-empty 'values' mapping")
        lists[name] = CodeList(
            name=name,
            description=str(entry.get("description", "")),
            # YAML may read a value such as 2017 as a number; a code is always text.
            values=MappingProxyType({str(k): str(v) for k, v in values.items()}),
            other_prefix=entry.get("other_prefix"),
        )
    return MappingProxyType(lists)


@lru_cache(maxsize=1)
def shipped_codelists() -> Mapping[str, CodeList]:
    """The code lists shipped with the package (read once)."""
    return load_codelists()


def codelist(name: str) -> CodeList:
    """One shipped code list by name (KeyError for an unknown name)."""
    return shipped_codelists()[name]
