"""``python -m adapters.docs [--write FILE | --check FILE]``: regenerate or check the docs.

Without an option the adapter reference is printed. Exit codes: 0 done (or fresh), 1 stale
(``--check``), 2 the file cannot be read or lacks its generated regions. Each adapter that could
not be loaded is named on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters.docs.generate import REFERENCE, everything, refresh


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="FILE", help="Rewrite FILE's regions.")
    action.add_argument("--check", type=Path, metavar="FILE", help="Exit 1 if FILE is stale.")
    args = parser.parse_args(argv)
    generated = everything(note=lambda message: print(f"note: {message}", file=sys.stderr))
    target: Path | None = args.write or args.check
    if target is None:
        print(generated[REFERENCE])
        return 0
    try:
        current = target.read_text(encoding="utf-8")
        fresh = refresh(current, generated)
    except (OSError, ValueError) as e:
        print(f"{target}: {e}", file=sys.stderr)
        return 2
    if args.check:
        if fresh != current:
            print(f"{target} is stale: run python -m adapters.docs --write {target}",
                  file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        target.write_text(fresh, encoding="utf-8")
    print(f"{target}: {'rewritten' if fresh != current else 'already fresh'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
