"""``hub send``: publish records from files as a department would."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes


@click.command()
@click.option("--source", required=True, help="System id of the sending department or platform.")
@click.option(
    "--type",
    "record_type",
    help="Record type; optional for XML whose root element names it.",
)
@click.option(
    "--reply-to",
    help="Also send feedback to this queue (AMQP reply_to): one of the source's own, "
    "hub.reply.<source>.<name>; any other is a usage error (exit 2).",
)
@click.option("--correlation-id", help="Correlation id to put on every message.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def send(
    state: CliState,
    source: str,
    record_type: str | None,
    reply_to: str | None,
    correlation_id: str | None,
    files: tuple[Path, ...],
) -> None:
    """Publish each record in FILES to hub.inbound (JSON arrays: one message per item).

    Prints one JSON line per message: origin, message_id, routing_key. Exits 1 if a record has
    no record type, 0 when the broker confirmed every message.
    """
    from hub.app.sender import Sender, records_from_file

    with exit_codes():
        hub = state.hub()
        missing_type = False
        with hub.session() as session:
            sender = Sender(session, source)
            for path in files:
                for record in records_from_file(path):
                    kind = record_type or record.record_type
                    if kind is None:
                        echo_json({"origin": record.origin, "error": "no record type; use --type"})
                        missing_type = True
                        continue
                    message_id = sender.send(
                        record, kind, reply_to=reply_to, correlation_id=correlation_id
                    )
                    echo_json(
                        {"origin": record.origin, "message_id": message_id, "routing_key": f"{source}.{kind}"}
                    )
            sender.confirm()
        sys.exit(1 if missing_type else 0)
