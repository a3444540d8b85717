"""A department's stream of penalty records for the fault tests, some of them bad."""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE = Path(__file__).parents[1] / "schemas" / "samples" / "valid" / "administrative_penalty.json"
#: What makes a record bad: an impossible decision date, which the standard refuses.
BAD_DATE = "2026-13-45"


def penalties(market_code: str, good: int, bad: int) -> list[bytes]:
    """``good + bad`` penalties from the market department, each with its own decision number;
    the bad ones are spread evenly through the stream (the last of every ``(good + bad) // bad``)."""
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    record.update(authority_credit_code=market_code, data_source_credit_code=market_code)
    every = (good + bad) // bad if bad else 0
    bodies = []
    for n in range(good + bad):
        record["decision_number"] = f"闵市监案处字〔2026〕第{n}号"
        is_bad = bad and n % every == every - 1 and n < every * bad
        record["decision_date"] = BAD_DATE if is_bad else "2024-04-10"
        bodies.append(json.dumps(record, ensure_ascii=False).encode())
    assert sum(f'"{BAD_DATE}"'.encode() in b for b in bodies) == bad
    return bodies
