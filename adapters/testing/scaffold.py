"""Scaffolding a third-party adapter package: what ``hub adapters new`` writes.

The package is complete and working from the first minute: a ``pyproject.toml`` registering the
adapter in the ``supervision_hub.adapters`` entry-point group, the config model, the adapter
class, a test module running the conformance suite with its harness, a stand-in HTTP system for
that harness, and a README saying what to change. It talks HTTP whatever the mode, as a
starting point the README tells the author to replace. Templates are under ``templates/``
(``string.Template`` syntax: ``${kind}``, ``${package}``, ``${Class}``...).

Contract: :func:`write` never overwrites: if any file it would write exists, it writes nothing
and raises :class:`FileExistsError` naming them.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Literal

from adapters.sdk import MODES

KIND = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: Longer names would make generated lines longer than the package's 100 characters.
MAX_KIND = 24
#: Top-level names the hub (or the scaffold's tests) already use: a package may not take them.
RESERVED_PACKAGES = frozenset(
    {"adapters", "hub", "routes", "transforms", "monitor", "schemas", "tests", "stand_in_system"}
)
Direction = Literal["inbound", "outbound"]

_INBOUND_ENTRY = """    inbound:
      - kind: ${kind}
        url: https://${kind}.example/records
        record_type: administrative_licence
        token: env:${ENV}_TOKEN"""
_OUTBOUND_ENTRY = """    outbound:
      kind: ${kind}
      url: https://${kind}.example/records
      token: env:${ENV}_TOKEN"""


@dataclass(frozen=True)
class Scaffold:
    """One adapter package to generate: its kind (the registered name), direction and mode."""

    kind: str
    direction: Direction = "inbound"
    mode: str = "rest"

    @property
    def package(self) -> str:
        return self.kind.replace("-", "_")

    @property
    def class_prefix(self) -> str:
        return "".join(part.capitalize() for part in self.kind.split("-"))

    @property
    def distribution(self) -> str:
        return f"{self.kind}-hub-adapter"

    @property
    def summary(self) -> str:
        if self.direction == "inbound":
            return f"Take records from the {self.kind} system's feed."
        return f"Deliver records to the {self.kind} system, once per content hash."

    def check(self, taken: Collection[str] = ()) -> None:
        """ValueError saying what is wrong with the name, direction or mode."""
        if len(self.kind) > MAX_KIND:
            raise ValueError(f"{self.kind!r}: at most {MAX_KIND} characters (it names the "
                             "package, the classes and the entry point)")
        if not KIND.match(self.kind):
            raise ValueError(f"{self.kind!r}: an adapter name is lower-case letters and digits in "
                             "words joined by '-', starting with a letter (acme-licences)")
        if keyword.iskeyword(self.package) or self.package in RESERVED_PACKAGES:
            raise ValueError(f"{self.kind!r} would make a package named {self.package!r}, "
                             "which is taken")
        if self.kind in taken:
            raise ValueError(f"{self.kind!r} is already a registered adapter: choose another name")
        if self.direction not in ("inbound", "outbound"):
            raise ValueError(f"direction must be inbound or outbound, not {self.direction!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")

    def values(self) -> dict[str, str]:
        names = {"kind": self.kind, "package": self.package, "Class": self.class_prefix,
                 "ENV": self.package.upper(), "mode": self.mode, "direction": self.direction,
                 "distribution": self.distribution, "summary": self.summary}
        entry = _INBOUND_ENTRY if self.direction == "inbound" else _OUTBOUND_ENTRY
        names["connections_entry"] = Template(entry).substitute(names)
        names["inbound_rule"] = (", and a record you cannot read goes to `port.reject` with a "
                                 "reason code" if self.direction == "inbound" else "")
        return names


def _template(*parts: str) -> str:
    return files("adapters.testing").joinpath("templates", *parts).read_text(encoding="utf-8")


def render(scaffold: Scaffold) -> dict[str, str]:
    """Relative path -> content of every file of the package."""
    values = scaffold.values()
    layout = {
        "pyproject.toml": ("common", "pyproject.toml.tmpl"),
        "README.md": ("common", "README.md.tmpl"),
        f"{scaffold.package}/__init__.py": ("common", "__init__.py.tmpl"),
        f"{scaffold.package}/config.py": (scaffold.direction, "config.py.tmpl"),
        f"{scaffold.package}/adapter.py": (scaffold.direction, "adapter.py.tmpl"),
        "tests/stand_in_system.py": ("common", "stand_in_system.py.tmpl"),
        f"tests/test_{scaffold.package}.py": (scaffold.direction, "test_adapter.py.tmpl"),
    }
    return {path: Template(_template(*source)).substitute(values)
            for path, source in layout.items()}


def write(rendered: Mapping[str, str], dest: Path) -> list[Path]:
    """Write the files under ``dest`` (created if missing); nothing at all if any exists."""
    targets = {dest / relative: text for relative, text in rendered.items()}
    existing = sorted(str(path) for path in targets if path.exists())
    if existing:
        raise FileExistsError(f"not overwriting existing files: {', '.join(existing)}")
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:  # "x": never replace, even in a race
            out.write(text)
    return list(targets)
