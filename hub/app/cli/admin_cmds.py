"""Administrator commands: dead letters, retry, replay, trace, timeline, message, person, audit.

Each prints JSON lines. Retry and replay need ``--reason``, accept ``--dry-run`` and ``--rate``,
and are written to the audit trail under the operating-system account that runs the command
(:func:`os_account`, from the process's user id: not ``$USER`` or ``$LOGNAME``, which the caller
sets). Nobody can have the audit name someone else: ``--actor`` is only a label, recorded beside
the account as ``account (as label)``, for one shared service account used by several people.

Views show personal data masked (:mod:`hub.admin.views`). ``--unmask --reason`` shows it whole
to an OS account listed in ``HUB_OFFICERS`` (the officer role of the CLI), after an audit entry
under that account; anyone else is refused (exit 2) before anything is read. ``hub person`` (a
lookup by ID number) is for those accounts only, always with a reason, always audited.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes
from schemas.contract.errors import ConfigError

if TYPE_CHECKING:
    from hub.admin.operations import AdminOps
    from hub.admin.views import Unmasking
    from hub.journal import JournalEvent

#: What a label may be: the same as an HTTP actor name (plain, one short word).
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

_actor = click.option(
    "--actor", "label", metavar="LABEL",
    help="A label recorded beside your OS account in the audit trail (e.g. who at a shared "
         "account); never instead of it.",
)
_reason = click.option("--reason", required=True, help="Why (mandatory; kept in the audit trail).")
_dry_run = click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
_rate = click.option("--rate", default=10.0, show_default=True, help="Messages per second at most.")
unmask_option = click.option(
    "--unmask", is_flag=True,
    help="Show personal data whole: only for the OS accounts in HUB_OFFICERS, with --reason; "
         "audited.",
)
unmask_reason_option = click.option(
    "--reason", "unmask_reason", help="Why the personal data must be seen whole (with --unmask)."
)


def os_account() -> str:
    """The name of the account this process runs as, from its real user id.

    Environment variables (``USER``, ``LOGNAME``) are the caller's to set, so they are used only
    where there is no user database (Windows, through :func:`getpass.getuser`).
    """
    try:
        import pwd
    except ImportError:  # not POSIX
        return getpass.getuser()
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid without a passwd entry (some containers): the number says who
        return f"uid:{os.getuid()}"


def audit_actor(label: str | None) -> str:
    """The audit trail's actor for this process: the OS account, with ``label`` beside it."""
    account = os_account()
    if label is None:
        return account
    if not _LABEL.fullmatch(label):
        raise click.BadParameter(
            "up to 64 letters, digits, '.', '_', '@' or '-'", param_hint="--actor"
        )
    return f"{account} (as {label})"


@contextmanager
def _ops(state: CliState) -> Iterator[AdminOps]:
    from hub.admin.operations import AdminOps

    with exit_codes():
        hub = state.hub()
        journal = hub.open_journal()
        try:
            with hub.session() as session:
                yield AdminOps(hub, session, journal)
        finally:
            journal.close()


@click.group("dead-letters")
def dead_letters() -> None:
    """List, show and retry what a destination could not take."""


@dead_letters.command("list")
@click.option("--destination", required=True, help="System id whose dead letters to list.")
@click.option("--credit-code", help="Only records filed under this credit code.")
@click.option("--limit", default=1000, show_default=True)
@click.pass_obj
def list_dead_letters(state: CliState, destination: str, credit_code: str | None, limit: int) -> None:
    """One JSON line per dead letter: ids, record, reason, attempts, failure times, last error."""
    with _ops(state) as ops:
        for letter in ops.dead_letters(destination, credit_code=credit_code, limit=limit):
            echo_json(letter.as_dict())


@dead_letters.command("show")
@click.argument("message_id")
@click.option("--destination", required=True)
@unmask_option
@unmask_reason_option
@click.pass_obj
def show_dead_letter(
    state: CliState, message_id: str, destination: str, unmask: bool, unmask_reason: str | None
) -> None:
    """One dead letter with its body, personal data masked. Exits 1 if there is none."""
    with _ops(state) as ops:
        shown = ops.dead_letter(destination, message_id,
                                unmask=unmasking(state, unmask, unmask_reason))
    if shown is None:
        echo_json({"error": f"no dead letter {message_id} for {destination}"})
        raise SystemExit(1)
    echo_json(shown)


@dead_letters.command("retry")
@click.argument("message_ids", nargs=-1)
@click.option("--destination", required=True)
@click.option("--all", "retry_all", is_flag=True, help="Every dead letter (of --credit-code).")
@click.option("--credit-code", help="Only records filed under this credit code.")
@_reason
@_actor
@_dry_run
@_rate
@click.pass_obj
def retry_dead_letters(
    state: CliState, message_ids: tuple[str, ...], destination: str, retry_all: bool,
    credit_code: str | None, reason: str, label: str | None, dry_run: bool, rate: float,
) -> None:
    """Send MESSAGE_IDS (or --all) back to the destination with a fresh retry schedule."""
    if bool(message_ids) == retry_all:
        raise click.UsageError("give MESSAGE_IDS or --all")
    actor = audit_actor(label)
    with _ops(state) as ops:
        result = ops.retry_dead_letters(
            destination, actor=actor, reason=reason, message_ids=list(message_ids) or None,
            credit_code=credit_code, rate_per_second=rate, dry_run=dry_run,
        )
    echo_json(result.as_dict())


@click.command()
@click.option("--message-id", "message_ids", multiple=True, help="Replay this input (repeatable).")
@click.option("--since", type=click.DateTime(), help="Received at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Received before (UTC).")
@click.option("--source")
@click.option("--destination", help="Inputs that had an event at this destination.")
@click.option("--event", help="...of this kind (e.g. dead_lettered, rejected).")
@click.option("--record-type")
@click.option("--credit-code")
@click.option("--limit", default=1000, show_default=True)
@_reason
@_actor
@_dry_run
@_rate
@click.pass_obj
def replay(
    state: CliState, message_ids: tuple[str, ...], since: datetime | None, until: datetime | None,
    source: str | None, destination: str | None, event: str | None, record_type: str | None,
    credit_code: str | None, limit: int, reason: str, label: str | None, dry_run: bool, rate: float,
) -> None:
    """Publish journaled inputs again as their source sent them; they go through the whole
    pipeline, and destinations drop what they already have."""
    from datetime import UTC

    actor = audit_actor(label)
    from hub.journal import MessageQuery, event_kind

    query = MessageQuery(
        message_ids=list(message_ids) or None,
        since=since.replace(tzinfo=UTC) if since else None,
        until=until.replace(tzinfo=UTC) if until else None,
        source=source, destination=destination,
        event=None if event is None else event_kind(event), record_type=record_type,
        credit_code=credit_code, limit=limit,
    )
    with _ops(state) as ops:
        result = ops.replay(query, actor=actor, reason=reason, rate_per_second=rate, dry_run=dry_run)
    echo_json(result.as_dict())


@click.command()
@click.argument("message_id")
@unmask_option
@unmask_reason_option
@click.pass_obj
def trace(state: CliState, message_id: str, unmask: bool, unmask_reason: str | None) -> None:
    """Every hop of one message, oldest first. Exits 1 if the journal does not know it."""
    with _ops(state) as ops:
        events = ops.trace(message_id, unmask=unmasking(state, unmask, unmask_reason))
    for event in events:
        echo_json(_event_dict(event))
    if not events:
        raise SystemExit(1)


@click.command()
@click.argument("credit_code")
@unmask_option
@unmask_reason_option
@click.pass_obj
def timeline(state: CliState, credit_code: str, unmask: bool, unmask_reason: str | None) -> None:
    """Everything that happened to one entity's records, across all departments."""
    with _ops(state) as ops:
        for event in ops.timeline(credit_code, unmask=unmasking(state, unmask, unmask_reason)):
            echo_json(_event_dict(event))


@click.command("message")
@click.argument("message_id")
@unmask_option
@unmask_reason_option
@click.pass_obj
def show_message(state: CliState, message_id: str, unmask: bool, unmask_reason: str | None) -> None:
    """One input as the journal keeps it: source, record (personal data masked) and body.
    Exits 1 if the journal does not know it."""
    with _ops(state) as ops:
        shown = ops.message(message_id, unmask=unmasking(state, unmask, unmask_reason))
    if shown is None:
        echo_json({"error": f"the journal does not know message {message_id}"})
        raise SystemExit(1)
    echo_json(shown)


@click.command()
@click.option("--limit", default=100, show_default=True)
@click.pass_obj
def audit(state: CliState, limit: int) -> None:
    """The audit trail, newest first: who did what, when, why, to how many."""
    with _ops(state) as ops:
        for entry in ops.audits(limit):
            echo_json({"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
                       "reason": entry.reason, "affected": entry.affected,
                       "dry_run": entry.dry_run, "parameters": dict(entry.parameters)})


@click.command("person")
@click.argument("id_number")
@click.option("--reason", required=True, help="Why this person's records are looked up (audited).")
@click.option("--unmask", is_flag=True, help="Show the records' personal data whole.")
@click.option("--limit", default=100, show_default=True)
@click.pass_obj
def person(state: CliState, id_number: str, reason: str, unmask: bool, limit: int) -> None:
    """The journaled inputs naming a person, found by ID number (officers only; audited)."""
    with _ops(state) as ops:
        for shown in ops.person(id_number, officer=_officer(state, reason), unmask=unmask,
                                limit=limit):
            echo_json(shown)


def unmasking(state: CliState, unmask: bool, reason: str | None) -> Unmasking | None:
    """The unmasking this command asks for, if any (see :func:`_officer`)."""
    if not unmask:
        if reason is not None:
            raise ConfigError("--reason is for --unmask; without it the view is masked")
        return None
    return _officer(state, reason)


def _officer(state: CliState, reason: str | None) -> Unmasking:
    """This account as an officer with ``reason``; :class:`ConfigError` (exit 2) for an
    account not in HUB_OFFICERS or a missing reason."""
    from hub.admin.views import Unmasking

    account = os_account()
    if account not in state.settings().officer_accounts():
        raise ConfigError(f"{account} may not unmask personal data: only the accounts in "
                          "HUB_OFFICERS may")
    if not (reason or "").strip():
        raise ConfigError("--unmask needs --reason: why the personal data must be seen whole")
    return Unmasking(account, reason or "")


def _event_dict(event: JournalEvent) -> dict[str, object]:
    data = asdict(event)
    data.pop("id", None)
    data["at"] = event.at.isoformat()
    return data
