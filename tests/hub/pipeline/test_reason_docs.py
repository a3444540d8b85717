"""docs/reasons.md holds the table generated from the reason registry, fresh."""

from __future__ import annotations

from pathlib import Path

from hub.pipeline.reason_docs import REGION, main, reference
from hub.pipeline.reasons import REASONS
from schemas.contract.reasons import Reason, ReasonRegistry
from schemas.generate.doc_regions import regions_in

DOC = Path(__file__).parents[3] / "docs" / "reasons.md"


def test_the_reason_table_in_the_docs_is_fresh() -> None:
    assert main(["--check", str(DOC)]) == 0, "run python -m hub.pipeline.reason_docs --write docs/reasons.md"


def test_every_registered_code_has_a_row_with_its_owner() -> None:
    region = regions_in(DOC.read_text(encoding="utf-8"))[REGION]
    for entry in REASONS:
        assert f"| `{entry.reason.code}` | {entry.reason.kind} |" in region
        assert region.count(f"| `{entry.reason.code}` |") == 1


def test_a_new_reason_makes_the_docs_stale(tmp_path: Path) -> None:
    stale = tmp_path / "reasons.md"
    stale.write_text(DOC.read_text(encoding="utf-8"), encoding="utf-8")
    registry = ReasonRegistry().merge("x", [Reason("new.code", "A code nobody documented yet.")])
    assert "`new.code`" in reference(registry) and "`new.code`" not in reference()
    text = stale.read_text(encoding="utf-8").replace("| `xml.malformed` |", "| `xml.broken` |")
    stale.write_text(text, encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
