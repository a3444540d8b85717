"""Benchmark: ``hub import`` of a large CSV, its rate and its memory, against a parse-only baseline.

    python tests/benchmarks/csv_import.py [--rows 1000000] [--chunk-size 500]
                                          [--broker-url URL | --rabbitmq] [--encoding gbk]

1. Generates a CSV of licence records in a department's layout (Chinese headers), streamed to
   disk, every row distinct.
2. Baseline: reads and parses it as the import does (reader, column map, JSON encoding of
   each record) without submitting anything.
3. Import: the ``hub import`` machinery (``BrokerInboundPort`` on the broker, checkpoints in the
   hub's journal, ``FileImport`` in broker-confirmed chunks, the error report), on the embedded
   SQLite broker in a temporary folder by default, on ``--broker-url``, or with ``--rabbitmq``
   on a throwaway virtual host of the local RabbitMQ (deleted afterwards).

Prints rows per second for both, the import/baseline ratio, the resident memory sampled at
10%, 50% and 100% of the rows (flat when the import streams) and the peak (``ru_maxrss``).
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.file.columns import ColumnMap
from adapters.file.csv_reader import CsvRows
from adapters.file.error_report import ErrorReport
from adapters.file.importer import FileImport, Progress, file_digest
from adapters.simulators.file_dept import COMMON_HEADERS, TYPE_HEADERS
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.hosting.adapter_host import BrokerInboundPort

LICENCE = json.loads((Path(__file__).parents[1] / "hub" / "records" / "licence.json").read_bytes())
FIELDS = {**COMMON_HEADERS, **TYPE_HEADERS["administrative_licence"]}
RECORD_TYPE = "administrative_licence"


def _cells(record: dict[str, object]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": str(v) for k, v in value.items()})
        else:
            flat[key] = str(value)
    return flat


def generate(path: Path, rows: int, encoding: str) -> None:
    """Write ``rows`` distinct licence rows, a block at a time (constant memory)."""
    template = _cells(LICENCE)
    paths = list(template)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([FIELDS[p] for p in paths])
        block = []
        for n in range(rows):
            template["licence_number"] = f"JY{n:014d}"
            template["decision_document_number"] = f"沪闵市监食许〔2026〕{n}号"
            block.append([template[p] for p in paths])
            if len(block) == 10_000:
                writer.writerows(block)
                block = []
        writer.writerows(block)


def rss_mib() -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(path: Path, columns: ColumnMap, encoding: str) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for row in CsvRows(path, encoding=encoding, columns=columns).rows():
        if isinstance(row.value, dict):
            json.dumps(row.value, ensure_ascii=False, separators=(",", ":")).encode()
        count += 1
    return count, count / (time.perf_counter() - started)


def run_import(path: Path, columns: ColumnMap, encoding: str, broker_url: str, data_dir: Path,
               rows: int, chunk_size: int) -> tuple[Progress, float, dict[int, float]]:
    hub = Hub(load_settings(broker_url=broker_url, data_dir=data_dir))
    journal = hub.open_journal()
    port = BrokerInboundPort(
        hub.settings.resolved_broker_url(), hub.topology, "market", "import",
        journal.checkpoints("import:market"), confirm_timeout=120,
    )
    samples: dict[int, float] = {}
    marks = [10, 50, 100]

    def on_rows(read: int, _fraction: float | None) -> None:
        while marks and read * 100 >= marks[0] * rows:
            samples[marks.pop(0)] = rss_mib()

    report = ErrorReport(data_dir / "report.csv")
    started = time.perf_counter()
    try:
        progress = FileImport(
            port, record_type=RECORD_TYPE, label=path.name, digest=file_digest(path),
            report=report, chunk_size=chunk_size, on_rows=on_rows,
        ).run(CsvRows(path, encoding=encoding, columns=columns), Progress(str(path)))
    finally:
        report.close()
        port.close()
        journal.close()
    return progress, progress.taken / (time.perf_counter() - started), samples


@contextmanager
def throwaway_vhost() -> Iterator[str]:
    name = f"hub-bench-{uuid.uuid4().hex[:8]}"
    for args in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--encoding", default="utf-8", help="utf-8, gbk or gb18030")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--broker-url", help="default: the embedded SQLite broker in a temp dir")
    where.add_argument("--rabbitmq", action="store_true",
                       help="a throwaway virtual host on the local RabbitMQ")
    args = parser.parse_args()
    columns = ColumnMap(columns={header: field for field, header in FIELDS.items()})
    with tempfile.TemporaryDirectory(prefix="csv-import-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "licences.csv"
        started = time.perf_counter()
        generate(path, args.rows, args.encoding)
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB, "
              f"in {time.perf_counter() - started:,.1f}s")
        count, parse_rate = baseline(path, columns, args.encoding)
        print(f"baseline (read, map, encode; no submit): {count:,} rows, {parse_rate:,.0f} rows/s,"
              f" RSS {rss_mib():,.0f} MiB, peak so far {peak_mib():,.0f} MiB")
        with throwaway_vhost() if args.rabbitmq else _given(args.broker_url, folder) as url:
            print(f"importing on {url.split('@')[-1]} in chunks of {args.chunk_size}")
            progress, rate, samples = run_import(path, columns, args.encoding, url,
                                                 folder / "var", args.rows, args.chunk_size)
        print(f"import: {progress.taken:,} rows taken, {progress.refused:,} refused, "
              f"{rate:,.0f} rows/s ({rate / parse_rate:.1%} of the baseline)")
        print("RSS during the import: " + ", ".join(
            f"{mark}%: {mib:,.0f} MiB" for mark, mib in sorted(samples.items())))
        print(f"peak RSS (ru_maxrss): {peak_mib():,.0f} MiB")


@contextmanager
def _given(url: str | None, folder: Path) -> Iterator[str]:
    yield url or f"sqla+sqlite:///{folder / 'broker.sqlite'}"


if __name__ == "__main__":
    main()
