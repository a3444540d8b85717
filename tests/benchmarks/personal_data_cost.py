"""Benchmark: what personal-data protection and evidence cost per input, against baselines
measured in the same run.

    python tests/benchmarks/personal_data_cost.py [--inputs 4000] [--rounds 3] [--postgres URL]

Inputs: natural persons' penalties from a department (1.3 KB of JSON each, a name and an ID
number), which the shipped routes send to the city platform, the credit platform and the
service hall. Rounds interleave the variants so drift hits them alike; each figure is the median
over rounds.

1. The pipeline (``Processor.process``, CPU time of the one thread per input):
   - baseline: every destination gets the record whole, envelopes carry no digest;
   - + digest: every envelope carries the SM3 digest of its payload;
   - + digest + masking: the shipped catalogue, the service hall's copy masked (its own
     envelope, content hash and digest).
2. Sealing alone (``Protection.seal``): the body and each personal field SM4-sealed, the ID
   number's keyed SM3 digest, per input.
3. The journal (``Journal.record`` in batches of 200, as the writer does), per input, CPU and
   wall time: baseline without keys (rows in the clear, no chain) against the evidence journal
   (sealed, person index, SM3-chained rows, SM2 checkpoints every 1000 rows), on SQLite and,
   with ``--postgres``, on PostgreSQL.

Not a test: the figures depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hub.pipeline.build as build_module
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.config.system_catalogue import SystemCatalogue
from hub.journal import Journal
from hub.journal.protection import Protection, standard_personal_paths
from hub.observers.journal_hooks import outcome_snapshot, snapshot_records
from hub.pipeline.build import disclosed
from hub.pipeline.processor import Outcome, Processor
from schemas.contract.envelope import Envelope, content_hash, payload_digest
from schemas.contract.messages import InboundMessage
from schemas.personal import Disclosure

SAMPLE = Path(__file__).parents[1] / "schemas" / "samples" / "valid" / "administrative_penalty.json"
BATCH = 200


def _bodies(hub: Hub, count: int) -> list[bytes]:
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    [code] = hub.systems.credit_codes("market")
    record.update(authority_credit_code=code, data_source_credit_code=code,
                  violation_facts=record["violation_facts"] * 12)
    bodies = []
    for n in range(count):
        record["decision_number"] = f"闵市监案处字〔2026〕第{n}号"
        record["party"] = {**record["party"], "id_number": f"3101121990{n % 100000000:08d}"}
        bodies.append(json.dumps(record, ensure_ascii=False).encode())
    return bodies


def _messages(bodies: list[bytes]) -> list[InboundMessage]:
    return [InboundMessage(body=b, routing_key="market.administrative_penalty",
                           content_type="application/json") for b in bodies]


@contextmanager
def _no_digest() -> Iterator[None]:
    """Envelopes as before this issue: the content hash alone."""
    original = build_module.fingerprints

    def hash_only(source: str, record_type: str, payload: dict[str, Any]) -> tuple[str, None]:
        return content_hash(source, record_type, payload), None

    build_module.fingerprints = hash_only  # type: ignore[assignment]
    try:
        yield
    finally:
        build_module.fingerprints = original


class _AllWhole(SystemCatalogue):
    def disclosure(self, destination: str) -> Disclosure:
        return Disclosure.WHOLE


def _processor(hub: Hub, systems: SystemCatalogue) -> Processor:
    return Processor(systems=systems, routes=hub.routes, mappings=hub.mappings,
                     max_message_bytes=hub.settings.max_message_bytes)


def _cpu_per_item(run: Callable[[], Any], count: int) -> tuple[float, Any]:
    gc.collect()  # what an earlier variant left behind is not this one's collection work
    start = time.process_time()
    result = run()
    return (time.process_time() - start) / count * 1e6, result


def pipeline_round(
    hub: Hub, messages: list[InboundMessage], turn: int
) -> tuple[dict[str, float], list[Outcome]]:
    """The three variants, in an order rotated by ``turn`` (so none always runs first)."""
    whole = _processor(hub, _AllWhole(list(hub.systems)))
    shipped = _processor(hub, hub.systems)

    def baseline() -> int:
        with _no_digest():
            return len([whole.process(m) for m in messages])

    variants: list[tuple[str, Callable[[], Any]]] = [
        ("baseline", baseline),
        ("+ digest", lambda: len([whole.process(m) for m in messages])),
        ("+ digest + masking", lambda: [shipped.process(m) for m in messages]),
    ]
    figures: dict[str, float] = {}
    outcomes: list[Outcome] = []
    for name, run in variants[turn % 3:] + variants[:turn % 3]:
        figures[name], result = _cpu_per_item(run, len(messages))
        if isinstance(result, list):
            outcomes = result
    hall = [o for o in outcomes[0].outputs if o.routing_key == "service-hall"]
    assert hall and b"310112********" in hall[0].body, "the service hall's copy is not masked"
    return {name: figures[name] for name, _ in variants}, outcomes


def isolated_round(outcomes: list[Outcome]) -> dict[str, float]:
    """The two additions alone, per input, on the envelopes the pipeline built: the record's
    SM3 digest, and the service hall's masked copy (find and mask the ID numbers, then the
    copy's own content hash and digest)."""
    envelopes = [Envelope.from_bytes(o.outputs[0].body) for o in outcomes]
    payloads = [e.payload for e in envelopes]
    count = len(envelopes)
    digest, _ = _cpu_per_item(lambda: [payload_digest(p) for p in payloads], count)
    masking, _ = _cpu_per_item(
        lambda: [disclosed(e, Disclosure.PUBLISHED) for e in envelopes], count)
    return {"digest alone": digest, "masked copy alone": masking}


def seal_round(hub: Hub, records: list[Any]) -> float:
    protection = Protection(hub.keyring(), standard_personal_paths)
    keyring = protection.current()
    micros, sealed = _cpu_per_item(lambda: [protection.seal(r, keyring) for r in records],
                                   len(records))
    assert all(s.digests for s in sealed), "an ID number was not indexed"
    return micros


def journal_round(journal: Journal, records: list[Any]) -> tuple[float, float]:
    """(CPU µs, wall µs) per input to record ``records`` in batches."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(records), BATCH):
        journal.record(messages=records[start:start + BATCH])
    count = len(records)
    return ((time.process_time() - cpu) / count * 1e6, (time.perf_counter() - wall) / count * 1e6)


def _fresh(records: list[Any]) -> list[Any]:
    """The same inputs under new message ids (a journal keeps each id once)."""
    from dataclasses import replace
    return [replace(r, message_id=str(uuid.uuid4())) for r in records]


def _journal_url(kind: str, folder: Path, postgres: str | None, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'journal-{name}.sqlite'}"
    assert postgres
    return postgres


def _reset_postgres(url: str) -> None:
    import sqlalchemy
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema may be wiped, "
                        "e.g. postgresql+psycopg://postgres@127.0.0.1/bench")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        hub = Hub(load_settings(broker_url="memory://", data_dir=folder))
        messages = _messages(_bodies(hub, args.inputs))
        pipeline: dict[str, list[float]] = {}
        seal: list[float] = []
        journal: dict[str, list[float]] = {}
        kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
        pipeline_round(hub, messages[:500], 0)  # warm-up: caches, lazy imports
        for n in range(args.rounds):
            figures, outcomes = pipeline_round(hub, messages, n)
            figures.update(isolated_round(outcomes))
            for name, micros in figures.items():
                pipeline.setdefault(name, []).append(micros)
            records = [snapshot_records(outcome_snapshot(o))[0][0] for o in outcomes]
            seal.append(seal_round(hub, records))
            for kind in kinds:
                for variant in ("baseline", "evidence"):
                    url = _journal_url(kind, folder, args.postgres, f"{n}-{variant}")
                    if kind == "postgresql":
                        _reset_postgres(url)
                    evidence = hub.evidence() if variant == "evidence" else None
                    opened = Journal.open(url, evidence=evidence)
                    try:
                        cpu, wall = journal_round(opened, _fresh(records))
                    finally:
                        opened.close()
                    journal.setdefault(f"{kind} {variant} cpu", []).append(cpu)
                    journal.setdefault(f"{kind} {variant} wall", []).append(wall)

    median = {name: statistics.median(v) for name, v in {**pipeline, **journal}.items()}
    base = median["baseline"]
    print(f"{args.inputs} natural persons' penalties, {args.rounds} rounds, median per input\n")
    print("pipeline (CPU µs per input; three destinations, the service hall masked)")
    for name in pipeline:
        print(f"  {name:<22} {median[name]:8.1f}   x{median[name] / base:.3f} of baseline")
    print("  (the last two measured alone, on the envelopes the pipeline built)")
    digest_cost = median["digest alone"]
    masking_cost = median["masked copy alone"]
    print(f"\nsealing alone (CPU µs per input): {statistics.median(seal):.1f}")
    print("\njournal.record in batches of 200 (µs per input)")
    for kind in kinds:
        for clock in ("cpu", "wall"):
            plain, sealed = median[f"{kind} baseline {clock}"], median[f"{kind} evidence {clock}"]
            print(f"  {kind:<10} {clock:<4} baseline {plain:8.1f}   evidence {sealed:8.1f}   "
                  f"x{sealed / plain:.2f}   +{sealed - plain:.1f}")
    evidence_cost = median["sqlite evidence cpu"] - median["sqlite baseline cpu"]
    total = digest_cost + masking_cost + evidence_cost
    print(f"\ndigest µs/input (the record's SM3 digest): {digest_cost:.1f}")
    print(f"masking µs/input (the service hall's copy): {masking_cost:.1f}")
    print(f"encryption+chaining µs/input (sqlite, cpu): {evidence_cost:.1f}")
    print(f"personal data and evidence, extra CPU µs/input: {total:.1f}")


if __name__ == "__main__":
    main()
