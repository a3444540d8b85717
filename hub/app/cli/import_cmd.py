"""``hub import``: import one CSV, xlsx or XML batch through the hub (在线录入导入).

The same readers and submit path as the ``file-drop`` adapter: a :class:`BrokerInboundPort` on
the hub's broker, records submitted in broker-confirmed chunks, refused rows quarantined with
their reason (and answered to the source with feedback), progress checkpointed in the hub's
journal under ``import:<source>`` by the file's content hash.

Exit codes: 0 every row was taken; 1 a row was refused or the file could not be read (see the
report); 2 usage or configuration error, among them a FILE that is not a regular file (a
symbolic link, a FIFO, a device, a folder: refused with one line, without reading it); 3 the
broker is unavailable (run the same command again: it resumes after the last confirmed chunk).
The report is written with mode 0600, as a new file renamed into place.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, cast

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes

if TYPE_CHECKING:
    from adapters.file.readers import Format, ReadOptions
    from hub.hosting.adapter_host import BrokerInboundPort

_BAR_STEPS = 1000


@click.command("import")
# Checked by _regular_file, not by click: click's exists/dir_okay follow symbolic links.
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", required=True, help="System id of the department the records are from.")
@click.option("--record-type", required=True, help="Record type of every record in FILE.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "xml"]),
              help="File format; default: from FILE's extension.")
@click.option("--encoding", help="CSV: UTF-8 (default; a BOM is skipped), GBK or GB18030. "
              "XML: must agree with the document's declaration.")
@click.option("--columns", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML column map: header -> unified field (CSV, xlsx).")
@click.option("--sheet", help="xlsx: the sheet to read (default: the first).")
@click.option("--record-element", help="XML: the repeated record element (default: the type).")
@click.option("--wrap", help="XML: element to wrap each record in (e.g. ROWS).")
@click.option("--delimiter", default=",", show_default=True, help="CSV field delimiter.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="Records per broker-confirmed chunk (and checkpoint).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Per-row error report (CSV: row, field, code, reason); default FILE.errors.csv.")
@click.option("--resume/--restart", default=True, show_default=True,
              help="Continue an interrupted import of the same file, or start it over.")
@click.pass_obj
def import_file(
    state: CliState, file: Path, source: str, record_type: str, fmt: str | None,
    encoding: str | None, columns: Path | None, sheet: str | None, record_element: str | None,
    wrap: str | None, delimiter: str, chunk_size: int, report: Path | None, resume: bool,
) -> None:
    """Import every record of FILE as if SOURCE had sent it; print a JSON summary.

    Bad rows are quarantined with their reason and listed in the report. Safe to run again:
    an interrupted import resumes after its last confirmed chunk; a finished one is not
    imported twice unless --restart is given.
    """
    import schemas
    from adapters.file.columns import ColumnMap
    from adapters.file.readers import ReadOptions, format_of
    from hub.hosting.adapter_host import BrokerInboundPort

    _regular_file(file)
    if record_type not in schemas.RECORD_TYPES:
        raise click.BadParameter(f"{record_type!r} is not a record type", param_hint="--record-type")
    chosen = fmt or format_of(file)
    if chosen is None:
        raise click.BadParameter(f"cannot tell the format of {file.name}", param_hint="--format")
    if len(delimiter) != 1:
        raise click.BadParameter("one character", param_hint="--delimiter")
    with exit_codes():
        hub = state.hub()
        if source not in hub.systems.ids:
            raise click.BadParameter(f"{source!r} is not in the systems catalogue",
                                     param_hint="--source")
        options = ReadOptions(
            format=cast("Format", chosen), record_element=record_element or record_type,
            encoding=encoding, columns=ColumnMap.load(columns) if columns else None,
            delimiter=delimiter, sheet=sheet, wrap=wrap,
        )
        journal = hub.open_journal()
        port = BrokerInboundPort(
            hub.settings.resolved_broker_url(), hub.topology, source, "import",
            journal.checkpoints(f"import:{source}"),
            confirm_timeout=hub.settings.confirm_timeout_seconds,
        )
        try:
            summary = _import(port, file, record_type, options, chunk_size,
                              report or file.with_name(file.name + ".errors.csv"), resume)
        finally:
            port.close()
            journal.close()
        echo_json(summary)
        sys.exit(1 if summary["rows_refused"] or summary["failure"] else 0)


def _regular_file(file: Path) -> None:
    """Exit 2 with one line unless FILE is a regular file (nothing of it is read)."""
    from adapters.sdk.regular_files import NotRegularFile, lstat_regular

    try:
        lstat_regular(file)
    except NotRegularFile as e:
        message = e.problem.message
    except OSError as e:
        message = f"{file}: {e.strerror or e}"
    else:
        return
    click.echo(f"usage error: {message}", err=True)
    sys.exit(2)


def _import(
    port: BrokerInboundPort, file: Path, record_type: str, options: ReadOptions,
    chunk_size: int, report_path: Path, resume: bool,
) -> dict[str, Any]:
    from adapters.file.error_report import ErrorReport
    from adapters.file.importer import FileImport, Progress, file_digest, load_progress
    from adapters.file.readers import open_rows
    from adapters.sdk.regular_files import NotRegularFile
    from schemas.contract.errors import ConfigError, TransientError

    try:
        source = open_rows(file, options)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    try:
        digest = file_digest(file)
    except NotRegularFile as e:  # swapped since _regular_file looked
        click.echo(f"usage error: {e.problem.message}", err=True)
        sys.exit(2)
    name = str(file.resolve())
    progress = (load_progress(port.checkpoints, digest, name) if resume else None) or Progress(name)
    summary: dict[str, Any] = {
        "file": str(file), "source": port.source, "record_type": record_type,
        "sha256": digest, "report": str(report_path), "resumed_after_row": progress.row,
    }
    if progress.done:
        click.echo(f"{file.name} was already imported; --restart imports it again", err=True)
        return {**summary, **_counts(progress), "seconds": 0.0, "rows_per_second": 0.0}
    report = ErrorReport(report_path, keep_through=progress.row if progress.row else None)
    started = time.monotonic()
    read = 0
    with _ProgressLine(file.name, started) as line:
        def on_rows(rows: int, fraction: float | None) -> None:
            nonlocal read
            read = rows
            line.show(rows, fraction)

        importer = FileImport(
            port, record_type=record_type, label=file.name, digest=digest, report=report,
            chunk_size=chunk_size, on_rows=on_rows,
        )
        try:
            progress = importer.run(source, progress)
        except TransientError as e:
            click.echo(f"\nthe hub is not taking records: {e}. Rows up to "
                       f"{_confirmed_row(port, digest)} are confirmed; run the same command "
                       "again to resume.", err=True)
            sys.exit(3)
        finally:
            report.close()
    seconds = time.monotonic() - started
    return {**summary, **_counts(progress), "seconds": round(seconds, 3),
            "rows_per_second": round(read / seconds, 1) if seconds else 0.0}


def _confirmed_row(port: BrokerInboundPort, digest: str) -> int:
    """The last confirmed row in the checkpoint (for the resume hint)."""
    from adapters.file.importer import Progress, checkpoint_key

    saved = port.checkpoints.get(checkpoint_key(digest))
    return Progress.from_json(saved).row if saved else 0


def _counts(progress: Any) -> dict[str, Any]:
    return {"rows_taken": progress.taken, "rows_refused": progress.refused,
            "last_row": progress.row, "failure": progress.failure}


class _ProgressLine:
    """A click progress bar on a terminal (rows and rows/s); nothing when not a TTY."""

    def __init__(self, label: str, started: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._label = label
        self._started = started
        self._clock = clock
        self._bar: Any = None

    def __enter__(self) -> Self:
        if sys.stderr.isatty():
            self._bar = click.progressbar(
                length=_BAR_STEPS, label=self._label, file=sys.stderr, show_pos=False,
                show_percent=True, item_show_func=lambda item: item,
            ).__enter__()
        return self

    def show(self, rows: int, fraction: float | None) -> None:
        if self._bar is None:
            return
        elapsed = max(self._clock() - self._started, 1e-9)
        target = int((fraction or 0.0) * _BAR_STEPS)
        self._bar.update(max(0, target - self._bar.pos), f"{rows} rows, {rows / elapsed:,.0f} rows/s")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
