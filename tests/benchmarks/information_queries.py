"""Benchmark: the information service's queries over a large supervision database on PostgreSQL.

    PYTHONPATH=. python tests/benchmarks/information_queries.py [--records 1000000]
        [--entities 100000] [--queries 2000]
        [--admin-url postgresql+psycopg://postgres@127.0.0.1/postgres]

1. A new PostgreSQL database; the standard's valid sample of every filed record type is
   landed through :meth:`SupervisionStore.land` (business key, filing columns, personal
   fields sealed with a keyring made for the run, ID numbers indexed by digest).
2. PostgreSQL copies those rows until the table holds ``--records`` records spread evenly over
   ``--entities`` entities with valid credit codes of their own (each copy its own business
   key; the sealed envelope, its enforcers and person digests copied with it), then ANALYZE.
   The copies are made in SQL because landing a million records through Python takes the
   better part of an hour and measures landing, not the queries.
3. ``--queries`` profiles (as of a date where every sample is in force, personal data masked:
   the default visibility, so the sealed fields are opened and masked as for a caller), as many
   joint-discipline checks and name-prefix searches, each for a random entity, timed one by
   one from the caller's side of :mod:`hub.information.queries` (the doors add their
   serialisation on top): p50, p99 and max in ms.

Prints, each alone on a line at the end, ``profile p99 ms: X`` (the issue's target: at most
20 ms over 1,000,000 records). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from hub.crypto.key_files import ensure_keyring
from hub.crypto.keyring import KeyringSource
from hub.information import FILED_TYPES, SupervisionStore
from hub.information.queries import discipline_check, profile, search_by_name
from hub.journal.protection import standard_personal_paths
from schemas.contract.envelope import Envelope, fingerprints
from schemas.credit_code import ALPHABET, check_character
from schemas.validation import validate_record

SAMPLES = Path(__file__).parents[1] / "schemas" / "samples" / "valid"
#: A day on which every sample is in force (the licence, the measure...).
AS_OF = date(2025, 6, 1)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database (SQLAlchemy URL), dropped afterwards."""
    name = f"info_bench_{uuid.uuid4().hex[:10]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def envelope(record_type: str, payload: dict[str, Any], received_at: datetime) -> Envelope:
    """``payload`` as the pipeline would hand it to the supervision database."""
    verdict = validate_record(record_type, payload)
    if verdict.record is None:
        raise ValueError(f"the {record_type} sample does not validate: {verdict.problems}")
    content_hash, digest = fingerprints("market", record_type, verdict.record)
    message_id = str(uuid.uuid4())
    return Envelope(message_id=message_id, correlation_id=message_id, source="market",
                    record_type=record_type, schema_version="1.0", received_at=received_at,
                    content_hash=content_hash, credit_code=verdict.credit_code,
                    payload=verdict.record, payload_digest=digest)


def credit_codes(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct valid credit codes (GB 32100 check character)."""
    codes: set[str] = set()
    while len(codes) < count:
        first17 = "91310112" + "".join(rng.choice(ALPHABET) for _ in range(9))
        codes.add(first17 + check_character(first17))
    return sorted(codes)


def land_templates(store: SupervisionStore) -> None:
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for n, record_type in enumerate(FILED_TYPES):
        payload = json.loads((SAMPLES / f"{record_type}.json").read_text(encoding="utf-8"))
        store.land(envelope(record_type, copy.deepcopy(payload), t0 + timedelta(minutes=n)))


def multiply(url: str, records: int, codes: list[str]) -> int:
    """Copy the landed rows in SQL until the table holds ``records`` rows over ``codes``."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        templates = connection.execute("SELECT count(*) FROM supervision_records").fetchone()
        assert templates is not None
        rounds = max(1, (records - templates[0]) // templates[0])
        connection.execute("CREATE TEMP TABLE codes (n int PRIMARY KEY, code text)")
        with connection.cursor().copy("COPY codes (n, code) FROM STDIN") as copying:
            for n, code in enumerate(codes):
                copying.write_row((n, code))
        connection.execute("""
            CREATE TEMP TABLE copies AS
            SELECT t.id AS template_id, g AS round,
                   (SELECT code FROM codes WHERE n = (g * 7919 + t.id) %% %(entities)s) AS code
            FROM supervision_records t CROSS JOIN generate_series(1, %(rounds)s) g
        """, {"rounds": rounds, "entities": len(codes)})
        connection.execute("""
            INSERT INTO supervision_records (record_type, business_key, credit_code,
                entity_name, party_category, starts_on, ends_on, published_until, status,
                source, message_id, content_hash, received_at, landed_at, versions, key_id,
                envelope)
            SELECT t.record_type, t.business_key || '#' || c.round, c.code,
                   CASE WHEN t.entity_name IS NULL THEN NULL
                        ELSE t.entity_name || c.round END,
                   t.party_category, t.starts_on, t.ends_on, t.published_until, t.status,
                   t.source, t.message_id, t.content_hash, t.received_at, t.landed_at,
                   t.versions, t.key_id, t.envelope
            FROM copies c JOIN supervision_records t ON t.id = c.template_id
        """)
        connection.execute("""
            INSERT INTO supervision_enforcers (record_id, department)
            SELECT r.id, e.department FROM supervision_records r
            JOIN supervision_records t ON t.business_key = split_part(r.business_key, '#', 1)
                 AND t.record_type = r.record_type AND r.business_key LIKE '%%#%%'
            JOIN supervision_enforcers e ON e.record_id = t.id
        """)
        connection.execute("""
            INSERT INTO supervision_persons (record_id, digest, digest_key_id)
            SELECT r.id, p.digest, p.digest_key_id FROM supervision_records r
            JOIN supervision_records t ON t.business_key = split_part(r.business_key, '#', 1)
                 AND t.record_type = r.record_type AND r.business_key LIKE '%%#%%'
            JOIN supervision_persons p ON p.record_id = t.id
        """)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        total = connection.execute("SELECT count(*) FROM supervision_records").fetchone()
        assert total is not None
        return int(total[0])


def timed(ask: Callable[[str], object], codes: list[str], count: int,
          rng: random.Random) -> list[float]:
    """Milliseconds per call of ``ask`` for ``count`` random entities."""
    times = []
    for code in rng.choices(codes, k=count):
        start = time.perf_counter()
        ask(code)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered):6.2f} ms, p99 {p99:6.2f} ms, "
            f"max {ordered[-1]:6.2f} ms ({len(ordered)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    rng = random.Random(7)
    with fresh_database(args.admin_url) as url, tempfile.TemporaryDirectory() as keys:
        keyring_file = Path(keys) / "keyring.yaml"
        ensure_keyring(keyring_file, Path(keys))
        store = SupervisionStore.open(url, KeyringSource(keyring_file), standard_personal_paths)
        try:
            land_templates(store)
            codes = credit_codes(args.entities, rng)
            started = time.perf_counter()
            total = multiply(url, args.records, codes)
            print(f"supervision database: {total} records over {len(codes)} entities on "
                  f"PostgreSQL (copied in SQL in {time.perf_counter() - started:.0f} s)")
            ask_profile = lambda code: profile(store, code, AS_OF)
            timed(ask_profile, codes, 50, rng)  # warm the pool and the caches
            profiles = timed(ask_profile, codes, args.queries, rng)
            checks = timed(lambda code: discipline_check(store, code, "commerce", "政府采购",
                                                         AS_OF), codes, args.queries, rng)
            sample = profile(store, codes[0], AS_OF)
            # Copies are named "<sample's name><round>": a prefix with a round finds a few.
            base = (sample.name or "").rstrip("0123456789")
            rounds = total // len(FILED_TYPES)
            searches = timed(lambda _code: search_by_name(store, f"{base}{rng.randint(1, rounds)}"),
                             codes, max(1, args.queries // 4), rng)
            sections = sum(len(getattr(sample, key)) for key in (
                "registration", "licences_in_force", "penalties", "inspections",
                "measures_in_force", "discipline_reports", "alerts", "credit_records"))
            print(f"profile (as of {AS_OF}, masked; {sections} records in the first entity's): "
                  f"{summary(profiles)}")
            print(f"joint-discipline check:   {summary(checks)}")
            print(f"search by name prefix ('{base}<n>', first page): {summary(searches)}")
        finally:
            store.close()
    ordered = sorted(profiles)
    print(f"profile p99 ms: {ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]:.2f}")


if __name__ == "__main__":
    main()
