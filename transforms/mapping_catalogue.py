"""The catalogue of source mappings: every ``transforms/sources/<system-id>.yaml``, validated.

Built once at start-up and passed to `decode_record`; `MappingCatalogue.empty()` gives one with no
mappings (every source then must send the unified form). Loading fails with `MappingFileError`,
naming the file and the key, for: YAML errors, duplicate keys, unknown keys, a file whose
``system`` differs from its name or is not a known system, and stylesheets that are missing or
do not compile.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from lxml import etree
from pydantic import ValidationError

from transforms.mapping import RecordMapping, SourceMappingFile
from transforms.stylesheet import STYLESHEET_DIRECTORY, load_stylesheet
from transforms.transform_errors import MappingFileError

SOURCE_DIRECTORY = Path(__file__).with_name("sources")
_NAMED_KEY = re.compile(r"([\w.]+): ")


@dataclass(frozen=True)
class LoadedMapping:
    """A source's mapping for one record type, with its stylesheet compiled."""

    system: str
    mapping: RecordMapping
    stylesheet: etree.XSLT | None
    stylesheet_name: str | None


class MappingCatalogue:
    """Source mappings keyed by (system id, record type)."""

    def __init__(self, entries: dict[tuple[str, str], LoadedMapping]) -> None:
        self._entries = dict(entries)

    @classmethod
    def empty(cls) -> MappingCatalogue:
        """A catalogue without mappings."""
        return cls({})

    @classmethod
    def load(
        cls,
        directory: Path | None = None,
        *,
        stylesheet_directory: Path | None = None,
        known_systems: Collection[str] | None = None,
    ) -> MappingCatalogue:
        """Load every ``*.yaml`` in `directory` (default: the shipped ``transforms/sources``).

        `known_systems`, when given, is the set of system ids a file may be named after.
        """
        directory = SOURCE_DIRECTORY if directory is None else directory
        stylesheets = (
            STYLESHEET_DIRECTORY
            if stylesheet_directory is None
            else stylesheet_directory
        )
        compiled: dict[str, etree.XSLT] = {}
        entries: dict[tuple[str, str], LoadedMapping] = {}
        for path in sorted(directory.glob("*.yaml")):
            source = _read(path)
            if source.system != path.stem:
                raise MappingFileError(
                    str(path), "system", f"{source.system!r} differs from the file name"
                )
            if known_systems is not None and source.system not in known_systems:
                raise MappingFileError(
                    str(path), "system", f"{source.system!r} is not a known system"
                )
            for index, mapping in enumerate(source.mappings):
                stylesheet = None
                if mapping.xslt is not None:
                    if mapping.xslt not in compiled:
                        xsl_path = stylesheets / mapping.xslt
                        if not xsl_path.is_file():
                            raise MappingFileError(
                                str(path),
                                f"mappings.{index}.xslt",
                                f"{xsl_path} does not exist",
                            )
                        compiled[mapping.xslt] = load_stylesheet(xsl_path)
                    stylesheet = compiled[mapping.xslt]
                for record_type in mapping.record_types:
                    entries[(source.system, record_type)] = LoadedMapping(
                        source.system, mapping, stylesheet, mapping.xslt
                    )
        return cls(entries)

    def find(self, source: str, record_type: str) -> LoadedMapping | None:
        """The mapping for records of `record_type` from `source`, if one is declared."""
        return self._entries.get((source, record_type))

    def sources(self) -> list[str]:
        """System ids that have at least one mapping, sorted."""
        return sorted({system for system, _ in self._entries})


def _read(path: Path) -> SourceMappingFile:
    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=_StrictLoader
        )  # a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as e:
        raise MappingFileError(str(path), "", f"cannot read: {e}") from e
    except _DuplicateKey as e:
        raise MappingFileError(
            str(path), e.key, f"key given twice (line {e.line})"
        ) from e
    except yaml.YAMLError as e:
        raise MappingFileError(str(path), "", f"not valid YAML: {_yaml_problem(e)}") from e
    try:
        return SourceMappingFile.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        # Cross-field checks name their key at the start of the message ("renames: ...").
        if (named := _NAMED_KEY.match(message)) is not None:
            key = f"{key}.{named.group(1)}" if key else named.group(1)
            message = message[named.end() :]
        raise MappingFileError(str(path), key, message) from e


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What the parser objects to and where, in one line (PyYAML's own text quotes the source)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        said = f"{error.context}: {error.problem}" if error.context else error.problem
        return f"{said}{where}"
    return str(error)


# Private: raised by _StrictLoader and caught by _read above, never leaves this module.
class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"duplicate key {key!r} on line {line}")
        self.key = key
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
