"""Pointing every credential of a test config at a sentinel, to prove it is never shown.

:func:`with_sentinel_secrets` takes the harness's working config and makes each credential
reference resolve to a value containing :data:`SENTINEL`: an ``env:NAME`` reference gets the
variable set (through the caller's ``setenv``, so the test restores it), a ``file:`` reference is
pointed at a new file in ``directory``. Optional secret-reference options the harness left unset
are filled in too, where the config accepts them. When the original value was a URL with a
password (a database URL by reference), only the password is replaced, so the config's own URL
checks still pass.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ValidationError

from adapters.sdk.options import is_secret_reference

SENTINEL = "conformance-sentinel-3f9c2a71"
_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_FILE = re.compile(r"^file:(.+)$")


def _sentinel_for(original: str | None) -> str:
    if original and "://" in original:
        try:
            parts = urlsplit(original)
            if parts.password is not None:
                host = parts.netloc.rsplit("@", 1)[1]
                return urlunsplit(parts._replace(netloc=f"{parts.username}:{SENTINEL}@{host}"))
        except ValueError:
            pass
    return SENTINEL


def _fill_unset(config: type[BaseModel], raw: dict[str, Any]) -> None:
    for name, field in config.model_fields.items():
        if raw.get(name) is not None or not is_secret_reference(field):
            continue
        trial = {**raw, name: f"env:CONFORMANCE_SECRET_{name.upper()}"}
        try:
            config.model_validate(trial)
        except ValidationError:
            continue  # not a plain reference (a mapping of them) or excluded by another option
        raw[name] = trial[name]


def with_sentinel_secrets(
    config: type[BaseModel],
    raw: dict[str, Any],
    directory: Path,
    setenv: Callable[[str, str], None],
) -> tuple[dict[str, Any], list[str]]:
    """``raw`` with every credential reference resolving to the sentinel, and the references."""
    raw = copy.deepcopy(raw)
    _fill_unset(config, raw)
    references: list[str] = []

    def visit(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: visit(v) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(v) for v in value]
        if not isinstance(value, str):
            return value
        if match := _ENV.match(value):
            setenv(match.group(1), _sentinel_for(os.environ.get(match.group(1))))
            references.append(value)
            return value
        if match := _FILE.match(value):
            try:
                original: str | None = Path(match.group(1)).read_text(encoding="utf-8").strip()
            except OSError:
                original = None
            path = directory / f"secret-{len(references)}"
            path.write_text(_sentinel_for(original), encoding="utf-8")
            references.append(f"file:{path}")
            return references[-1]
        return value

    return visit(raw), references
