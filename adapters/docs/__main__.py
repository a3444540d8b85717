"""``python -m adapters.docs [--write FILE | --check FILE]``: regenerate or check the docs.

Without an option the adapter reference is printed. Exit codes: 0 done (or fresh), 1 stale
(``--check``), 2 the file cannot be read or lacks its generated regions. Each adapter that could
not be loaded is named on standard error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from adapters.docs.generate import REFERENCE, everything
from schemas.generate.doc_regions import command_line


def main(argv: Sequence[str] | None = None) -> int:
    return command_line(
        argv,
        prog="python -m adapters.docs",
        description=__doc__,
        generate=lambda: everything(
            note=lambda message: print(f"note: {message}", file=sys.stderr)
        ),
        required=REFERENCE,
    )


if __name__ == "__main__":
    sys.exit(main())
