"""Generated regions of hand-written markdown, and the ``--write``/``--check`` command for them.

A region runs from ``<!-- BEGIN GENERATED: name -->`` to ``<!-- END GENERATED: name -->``;
everything outside the regions is written by hand and never touched. Used by the adapter guide
(``python -m adapters.docs``), the metrics reference (``python -m monitor.docs``) and the
reason-code table (``python -m hub.pipeline.reason_docs``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_REGION = re.compile(r"<!-- BEGIN GENERATED: (?P<name>[^>]+?) -->.*?<!-- END GENERATED: (?P=name) -->",
                     re.DOTALL)


def table_cell(text: str) -> str:
    """``text`` on one line, safe in a markdown table cell (``<`` escaped: not a tag)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "\\<")


def regions_in(text: str) -> dict[str, str]:
    """Name -> body (between the marker lines) of every generated region of ``text``."""
    return {m.group("name"): m.group(0).split("\n", 1)[1].rsplit("\n", 1)[0]
            for m in _REGION.finditer(text)}


def refresh(text: str, generated: Mapping[str, str], required: str) -> str:
    """``text`` with each of its regions replaced by the fresh one of the same name.

    ValueError when the document lacks the ``required`` region or holds a region nothing
    generates (a renamed example, a typo), rather than leaving it stale forever.
    """
    found = regions_in(text)
    if required not in found:
        raise ValueError(f"no '<!-- BEGIN GENERATED: {required} -->' ... END region")
    unknown = sorted(set(found) - set(generated))
    if unknown:
        raise ValueError(f"regions nothing generates: {', '.join(unknown)}")
    return _REGION.sub(lambda m: generated.get(m.group("name"), m.group(0)), text)


def command_line(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    generate: Callable[[], Mapping[str, str]],
    required: str,
) -> int:
    """``prog [--write FILE | --check FILE]``: print the ``required`` region, or refresh or
    check FILE's regions. Returns the exit code: 0 done (or fresh), 1 stale (``--check``),
    2 the file cannot be read or lacks its regions."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="FILE", help="Rewrite FILE's regions.")
    action.add_argument("--check", type=Path, metavar="FILE", help="Exit 1 if FILE is stale.")
    args = parser.parse_args(argv)
    generated = generate()
    target: Path | None = args.write or args.check
    if target is None:
        print(generated[required])
        return 0
    try:
        current = target.read_text(encoding="utf-8")
        fresh = refresh(current, generated, required)
    except (OSError, ValueError) as e:
        print(f"{target}: {e}", file=sys.stderr)
        return 2
    if args.check:
        if fresh != current:
            print(f"{target} is stale: run {prog} --write {target}", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        target.write_text(fresh, encoding="utf-8")
    print(f"{target}: {'rewritten' if fresh != current else 'already fresh'}", file=sys.stderr)
    return 0
