"""The generated regions of ``docs/adapters.md``: the adapter reference and the worked examples.

A region is text between ``<!-- BEGIN GENERATED: <name> -->`` and ``<!-- END GENERATED: <name>
-->``. :func:`reference` is the :data:`REFERENCE` region: one section per built-in adapter of
the registry, each in a region named by its kind. An adapter whose module does not import is
not skipped silently: its section says why it could not be generated. :func:`examples` are the
worked examples' files, exactly as ``hub adapters new`` writes them (``example <dir>/<path>``).
:func:`refresh` replaces every generated region a document holds.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from adapters.docs.options import cell, options_table
from adapters.registry import AdapterRegistry
from schemas.generate import doc_regions as regions

REFERENCE = "adapter reference"
#: The worked examples of the guide: (adapter name, direction).
EXAMPLES = (("acme-licences", "inbound"), ("acme-notices", "outbound"))
_FENCES = {".py": "python", ".toml": "toml"}
_ROLE = re.compile(r":[a-z]+:`(~?)([^`]+)`")

def _markdown(docstring: str) -> str:
    """A docstring readable as markdown: Sphinx roles become code (``:class:`~a.B``` -> `B`)."""
    return _ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`",
                     docstring)


def markers(name: str, body: str) -> str:
    return f"<!-- BEGIN GENERATED: {name} -->\n{body}\n<!-- END GENERATED: {name} -->"


def adapter_section(kind: str, target: str, cls: type) -> str:
    """One adapter's reference: summary, identity, its module's and class's docstrings, and
    its options table."""
    config = cls.Config  # type: ignore[attr-defined]
    parts = [f"### `{kind}`", ""]
    summary = getattr(cls, "summary", "")
    if summary:
        parts += [summary, ""]
    identity = (f"{cls.direction.capitalize()} · mode `{cls.mode}` · "  # type: ignore[attr-defined]
                f"class `{target}` · config `{config.__name__}`")
    parts += [identity, ""]
    module = sys.modules.get(cls.__module__)
    for doc in (getattr(module, "__doc__", None), cls.__dict__.get("__doc__")):
        if doc:
            parts += [_markdown(inspect.cleandoc(doc)), ""]
    parts.append(options_table(config))
    return markers(kind, "\n".join(parts))


def unavailable_section(kind: str, target: str, error: str) -> str:
    """The section of an adapter that could not be imported: visible, with the reason."""
    body = (f"### `{kind}`\n\n> **Not generated:** `{target}` could not be loaded when this "
            f"reference was generated ({cell(error)}). Regenerate with "
            "`python -m adapters.docs --write docs/adapters.md` once it imports.")
    return markers(kind, body)


def reference(registry: AdapterRegistry | None = None,
              note: Callable[[str], None] = lambda _: None) -> str:
    """Every registered adapter's section, by name, inside the :data:`REFERENCE` markers.

    Default registry: the built-ins only (installed third-party adapters are not ours to
    document). ``note`` is told about each adapter that could not be loaded.
    """
    registry = registry or AdapterRegistry(discover=False)
    sections = []
    for kind in registry.names():
        target = registry.target(kind)
        try:
            cls = registry.load(kind)
        except Exception as e:  # noqa: BLE001 - a broken module must show in the docs, not stop them
            cause = e.__cause__ or e
            error = f"{type(cause).__name__}: {cause}"
            note(f"{kind}: not generated, {error}")
            sections.append(unavailable_section(kind, target, error))
            continue
        sections.append(adapter_section(kind, target, cls))
    intro = ("<!-- Generated from each adapter's Config model by "
             "`python -m adapters.docs --write docs/adapters.md`; do not edit by hand. -->")
    return markers(REFERENCE, "\n\n".join([intro, *sections]))


def examples() -> dict[str, str]:
    """Region name -> fenced code block, for every file of the worked examples."""
    from adapters.testing.scaffold import Scaffold, render

    regions = {}
    for kind, direction in EXAMPLES:
        for path, text in render(Scaffold(kind, direction, "rest")).items():  # type: ignore[arg-type]
            fence = _FENCES.get(PurePosixPath(path).suffix)
            if fence is None:  # the README has fences of its own; the guide says what it holds
                continue
            name = f"example {kind}/{path}"
            regions[name] = markers(name, f"```{fence}\n{text.rstrip()}\n```")
    return regions


def refresh(text: str, generated: Mapping[str, str]) -> str:
    """``text`` with each of its regions replaced by the fresh one (see :mod:`.regions`); the
    reference region is required."""
    return regions.refresh(text, generated, REFERENCE)


def everything(note: Callable[[str], None] = lambda _: None) -> dict[str, str]:
    """Every region this module generates, by name."""
    return {REFERENCE: reference(note=note), **examples()}
