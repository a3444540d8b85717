"""``hub verify-log`` and ``hub keys``: the journal's evidence and the keys behind it.

``hub verify-log`` needs only the keyring file (the public keys of the signing keys), never a
secret: an auditor can run it with read access to the database. Exit codes: 0 every chain is
whole; 1 a chain is broken (the first broken link is named); 2 configuration.

``hub keys`` manages the keyring (``HUB_KEYRING``, else data_dir/keys/keyring.yaml):
``init`` gives it a key of every purpose it lacks, ``generate`` makes a new active key of one
purpose (the previous one stays readable: rotation without downtime, running hubs re-read
the keyring), ``list`` shows the keys and how many journal rows each protects, ``retire``
retires a key no row needs any more. Secrets are written to files of mode 0600 and are never
printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hub.app.cli.shared import CliState, echo_json

if TYPE_CHECKING:
    from hub.journal import Journal


def _journal(state: CliState) -> Journal:
    from hub.journal import Journal

    return Journal.open(state.settings().resolved_journal_url())


@click.command("verify-log")
@click.pass_obj
def verify_log(state: CliState) -> None:
    """Check the journal's SM3 chains and SM2 checkpoints; name the first broken link.

    Prints one JSON line per chain (messages, audit). Exit 1 if any is broken.
    """
    from hub.crypto.keyring import load_keyring

    keyring = load_keyring(state.settings().resolved_keyring(), secrets=False)
    journal = _journal(state)
    try:
        reports = journal.verify(keyring.verifying_key)
    finally:
        journal.close()
    for report in reports:
        echo_json({
            "chain": report.chain, "ok": report.ok, "links": report.links,
            "first": report.first_seq, "last": report.last_seq,
            "checkpoints": report.checkpoints, "signed_through": report.signed_through,
            "unsigned": report.unsigned, "legacy_rows": report.legacy_rows,
            "broken": None if report.broken is None else {
                "kind": report.broken.kind, "link": report.broken.seq, "row": report.broken.row,
                "detail": report.broken.detail,
            },
        })  # fmt: skip
    broken = [r for r in reports if r.broken is not None]
    for report in broken:
        assert report.broken is not None
        click.echo(f"{report.chain}: BROKEN: {report.broken.detail}", err=True)
    if broken:
        sys.exit(1)
    click.echo("every chain is whole", err=True)


@click.group()
def keys() -> None:
    """The keyring: keys that seal personal data and sign the journal."""


def _keyring_path(state: CliState) -> Path:
    return state.settings().resolved_keyring()


def _entry(entry: Any, usage: dict[str, int] | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": entry.id, "purpose": entry.purpose, "state": entry.state, "ref": entry.ref,
        "created": entry.created.isoformat(),
    }  # fmt: skip
    if usage is not None:
        shown["rows"] = usage.get(entry.id, 0)
    return shown


_key_dir = click.option(
    "--dir", "key_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where new key files go (mode 0600); default: the keyring's folder.",
)


@keys.command("init")
@_key_dir
@click.pass_obj
def init_keys(state: CliState, key_dir: Path | None) -> None:
    """Give the keyring an active key of every purpose it lacks (creating it if needed)."""
    from hub.crypto.key_files import ensure_keyring

    path = _keyring_path(state)
    for entry in ensure_keyring(path, key_dir or path.parent):
        echo_json(_entry(entry))


@keys.command("generate")
@click.option("--purpose", required=True, type=click.Choice(["data", "digest", "signing"]),
              help="data (SM4, seals personal data), digest (HMAC-SM3, finds persons) or "
                   "signing (SM2, signs the journal's checkpoints).")
@_key_dir
@click.pass_obj
def generate(state: CliState, purpose: str, key_dir: Path | None) -> None:
    """Make a new active key; the previous active key of its purpose stays readable."""
    from hub.crypto.key_files import generate_key
    from hub.crypto.keyring import Purpose

    path = _keyring_path(state)
    echo_json(_entry(generate_key(path, Purpose(purpose), key_dir or path.parent)))


@keys.command("list")
@click.pass_obj
def list_keys(state: CliState) -> None:
    """Every key, its state, and how many journal rows it protects."""
    from hub.crypto.keyring import read_keyring_file

    keyring = read_keyring_file(_keyring_path(state))
    journal = _journal(state)
    try:
        usage = journal.key_usage()
    finally:
        journal.close()
    for entry in keyring.keys:
        echo_json(_entry(entry, usage))


@keys.command("retire")
@click.argument("key_id")
@click.option("--force", is_flag=True,
              help="Retire even though journal rows still need the key (they become unreadable).")
@click.pass_obj
def retire(state: CliState, key_id: str, force: bool) -> None:
    """Retire a key that is no longer active. Refused while journal rows still need it (a data
    key sealed them, a digest key indexes them), unless --force; a signing key's public key is
    kept so that the checkpoints it signed still verify."""
    from hub.crypto.key_files import retire_key
    from hub.crypto.keyring import Purpose, read_keyring_file
    from schemas.contract.errors import ConfigError

    path = _keyring_path(state)
    entries = {e.id: e for e in read_keyring_file(path).keys}
    entry = entries.get(key_id)
    if entry is not None and entry.purpose != Purpose.SIGNING and not force:
        journal = _journal(state)
        try:
            rows = journal.key_usage().get(key_id, 0)
        finally:
            journal.close()
        if rows:
            raise ConfigError(
                f"{rows} journal rows still need key {key_id}: retired, it would leave them "
                "unreadable; wait until retention has purged them, or pass --force"
            )
    echo_json(_entry(retire_key(path, key_id)))
