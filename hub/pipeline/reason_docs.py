"""``python -m hub.pipeline.reason_docs [--write FILE | --check FILE]``: the reason-code table.

One row per code of the reason registry (:data:`hub.pipeline.reasons.REASONS`): code, kind,
meaning and the package that owns it, generated into the region between
``<!-- BEGIN GENERATED: reason codes -->`` and ``<!-- END GENERATED: reason codes -->`` of
``docs/reasons.md``; the rest of that page is written by hand. Exit codes as
:func:`schemas.generate.doc_regions.command_line`: 0 done (or fresh), 1 stale, 2 unreadable.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hub.pipeline.reasons import REASONS
from schemas.contract.reasons import ReasonRegistry
from schemas.generate.doc_regions import command_line, table_cell

REGION = "reason codes"


def reference(registry: ReasonRegistry = REASONS) -> str:
    """The whole generated region, markers included: one row per code, sorted by code."""
    rows = ["| Code | Kind | Meaning | Owner |", "| --- | --- | --- | --- |"]
    for entry in sorted(registry, key=lambda e: e.reason.code):
        reason = entry.reason
        rows.append(f"| `{reason.code}` | {reason.kind} | {table_cell(reason.meaning)} "
                    f"| `{entry.owner}` |")
    intro = ("<!-- Generated from the reason registry (hub/pipeline/reasons.py) by "
             "`python -m hub.pipeline.reason_docs --write docs/reasons.md`; do not edit by hand. -->")
    body = "\n\n".join([intro, "\n".join(rows)])
    return f"<!-- BEGIN GENERATED: {REGION} -->\n{body}\n<!-- END GENERATED: {REGION} -->"


def main(argv: Sequence[str] | None = None) -> int:
    return command_line(argv, prog="python -m hub.pipeline.reason_docs", description=__doc__,
                        generate=lambda: {REGION: reference()}, required=REGION)


if __name__ == "__main__":
    sys.exit(main())
