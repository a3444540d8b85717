"""Generated artefacts of the standard: JSON Schema and XSD per record type.

``render_all()`` builds every artefact in memory (relative path -> text), so a test can compare
them with the files on disk; ``write_all()`` writes them. Run ``python -m schemas.generate``.

The JSON Schema is pydantic's schema of each model in serialization mode: it describes the
unified record as the hub emits it (dates YYYY-MM-DD, amounts as decimal text). The hub also
accepts YYYY/MM/DD dates and numeric amounts on input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.generate.xsd import NAMESPACE, xsd_for
from schemas.record_registry import model_for
from schemas.record_types import RECORD_TYPES, SCHEMA_VERSION

PACKAGE_DIR = Path(__file__).parents[1]


def major(version: str) -> str:
    """``"1.0"`` -> ``"1"``: artefact names carry the major version (``<type>.v1.json``)."""
    return version.split(".", 1)[0]


def json_schema(record_type: str, version: str = SCHEMA_VERSION) -> dict[str, Any]:
    schema = model_for(record_type, version).model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{NAMESPACE}:{record_type}",
        **schema,
    }


def render_all(version: str = SCHEMA_VERSION) -> dict[Path, str]:
    """Every artefact for ``version``: path relative to the package -> file text."""
    suffix = f"v{major(version)}"
    files: dict[Path, str] = {}
    for record_type in RECORD_TYPES:
        schema = json_schema(record_type, version)
        text = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        files[Path("json") / f"{record_type}.{suffix}.json"] = text
        files[Path("xsd") / f"{record_type}.{suffix}.xsd"] = xsd_for(record_type, schema, version)
    return files


def stale_files(root: Path = PACKAGE_DIR, version: str = SCHEMA_VERSION) -> list[Path]:
    """Artefacts missing on disk or different from what ``render_all`` produces."""
    stale = []
    for relative, text in render_all(version).items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_all(root: Path = PACKAGE_DIR, version: str = SCHEMA_VERSION) -> list[Path]:
    """Write every artefact under ``root``; returns the paths written."""
    written = []
    for relative, text in render_all(version).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
