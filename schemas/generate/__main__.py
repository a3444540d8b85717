"""``python -m schemas.generate [--check]``: write (or check) the JSON Schema and XSD files.

Exit codes: 0 written, or up to date with ``--check``; 1 with ``--check`` when a file is stale.
"""

from __future__ import annotations

import argparse
import sys

from schemas.generate import PACKAGE_DIR, stale_files, write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="only report stale files; exit 1 if any"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for relative in stale:
            print(f"stale: schemas/{relative}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(path.relative_to(PACKAGE_DIR.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
