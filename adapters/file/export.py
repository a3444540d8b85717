"""``file-export``: write each delivered envelope into a folder as one JSON file.

Layout: ``<folder>/<hex digest>.json`` (the content hash ``sha256:<hex>`` without its prefix:
a colon cannot be in a file name on the Windows shares departments use) holding the envelope
exactly as the hub sent it (UTF-8 JSON). Why one file per record, named by content hash, rather than a daily JSON-lines or
CSV file with an index:
- idempotent by construction: a re-delivery writes the same name, so the folder holds one
  file per record with no index to keep consistent with the data (an appended line and its
  index entry cannot be written atomically together; a crash between them duplicates or
  loses a line);
- atomic for the reader: the file is written under a hidden temporary name, flushed to disk,
  then renamed, so a department's import job never sees half a record; an append-only file is
  always being written while someone may read it;
- nothing to lock: runners and retries never contend for one shared file;
- the department deletes or moves a file once imported, its own acknowledgement.
The cost is many small files; departments that take files take them in the tens of thousands a
day, which any file system holds.

The folder is the department's, so nothing in it is trusted: the temporary file is created new
(``O_EXCL | O_NOFOLLOW``) under an unpredictable name, with mode ``file_mode`` (0600: the hub's
account only; 0640 when the department's reader shares the folder's group), and renamed over
the destination, which replaces an entry there instead of writing through it. Anything but a
regular file standing at the destination name (a symbolic link, a FIFO, a folder) is refused
with :class:`PermanentError` naming it (``adapter.not_a_regular_file``): the record goes to the
dead-letter queue with that reason, for an operator to look at the folder and replay it.

Errors, by what retrying can achieve (:class:`OutboundAdapter` contract):
- :class:`TransientError`: the disk or quota is full (ENOSPC, EDQUOT: space is freed, then it
  works), the folder is missing (ENOENT: a network share not mounted yet, or being remounted),
  I/O and network-file-system failures (EIO, ESTALE, ETIMEDOUT, EAGAIN, EBUSY), and any
  unexpected OSError (the runner's schedule ends in the dead-letter queue anyway);
- :class:`PermanentError`: no permission (EACCES, EPERM), a read-only file system (EROFS), a
  path that is not a folder (ENOTDIR, EEXIST on the folder), or something other than a regular
  file at the record's name (see above): the adapter is misconfigured, and
  no record will be written until an operator acts. Dead-lettering keeps each record with the
  reason; they are replayed once the folder is fixed, instead of every delivery retrying for
  hours against a folder that cannot take it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from adapters.sdk import (
    Health,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    TransientError,
)
from adapters.sdk.regular_files import FileMode, file_mode, what_is, write_private
from schemas.contract.envelope import Envelope

_PERMANENT = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST,
                        errno.EISDIR})
_HASH = re.compile(r"^(?:[a-z0-9]+:)?([0-9a-f]{16,128})$")


class FileExportConfig(OutboundConfig):
    """Write each record as a JSON file into a folder the department reads."""

    folder: Path = Field(
        description="The export folder; it must exist (the adapter does not create it, so a "
        "share that is not mounted is noticed).")
    fsync: bool = Field(
        default=True,
        description="Flush each file and the folder to disk before confirming the delivery.")
    file_mode: FileMode = Field(
        default="0600",
        description="Mode of the files written: 0600 (the hub's account only) or 0640 (also "
        "the folder's group, for a department's reader in that group). Nothing wider.")


class FileExportAdapter(OutboundAdapter[FileExportConfig]):
    """One ``<hex digest>.json`` per record, written atomically (see module doc)."""

    kind: ClassVar[str] = "file-export"
    mode = "file"
    Config = FileExportConfig
    summary: ClassVar[str] = "Write each record as a JSON file named by its content hash."

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        name = file_name(envelope.content_hash)
        folder = self.config.folder
        target = folder / name
        try:
            _refuse_unless_regular(target)
            write_private(target, body, file_mode(self.config.file_mode),
                          fsync=self.config.fsync)
            if self.config.fsync:
                _sync_folder(folder)
        except OSError as e:
            raise _classified(e, target) from e

    def health(self) -> Health:
        folder = self.config.folder
        if not folder.is_dir():
            return Health(False, f"{folder} is not a folder (not mounted?)")
        if not os.access(folder, os.W_OK):
            return Health(False, f"{folder} is not writable")
        return Health(True, f"writing to {folder}")


def file_name(content_hash: str) -> str:
    """The file a record with this content hash is written to; PermanentError if the hash
    cannot name a file (the envelope is not one the hub made)."""
    match = _HASH.match(content_hash)
    if match is None:
        raise PermanentError(f"content hash {content_hash!r} cannot name a file")
    return f"{match.group(1)}.json"


def _refuse_unless_regular(target: Path) -> None:
    """PermanentError if something other than a regular file stands at ``target`` (a
    re-delivery finds its own earlier file there, which it replaces)."""
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return
    # Any regular file is replaced, even one with hard links: the rename changes the name only.
    if not stat.S_ISREG(status.st_mode):
        raise PermanentError(
            f"{target} is {what_is(status)}, not a regular file (adapter.not_a_regular_file); "
            "the hub does not write through it: remove it, then replay the record")


def _classified(error: OSError, target: Path) -> TransientError | PermanentError:
    message = f"cannot write {target}: {error.strerror or error}"
    if error.errno in _PERMANENT:
        return PermanentError(message)
    return TransientError(message)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (the folder's entry is what a crash could lose)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
