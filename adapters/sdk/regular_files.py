"""Folders are doors: read only regular files from them, write into them without being redirected.

A department's folder (a drop folder, an export folder, a share) is written by people and jobs
the hub does not control. A symbolic link there can point at any file the hub's account can
read; a FIFO blocks whoever opens it; a device may do something when opened. So every folder
adapter reads and writes through this module. Contracts:

- :func:`open_regular` opens a file for reading only if it is a regular file: ``lstat`` (links
  are not followed), then ``open`` with ``O_NOFOLLOW`` (a link swapped in meanwhile is refused
  by the kernel) and ``O_NONBLOCK`` (a FIFO swapped in cannot block the adapter), then
  ``fstat`` of the opened descriptor compared with the ``lstat`` by device and inode (any other
  swap between the check and the open is caught). With ``expected`` the file must also be the
  one seen earlier (before a move, at a listing). A file with more than one hard link is
  refused too: a hard link to a private file is the same attack as a symbolic link, and files
  a department writes have one link.
- Anything else raises :class:`NotRegularFile` *before a byte is read*; its problem
  (``adapter.not_a_regular_file``) names the entry and what it is, never anything of a link's
  target, so it can be quarantined, written to a reason file and sent back to the department.
- :func:`write_private` writes a whole file atomically: a new file under an unpredictable
  hidden name in the same folder (``O_CREAT | O_EXCL | O_NOFOLLOW``, created with ``mode``),
  flushed, then renamed over the destination. A rename replaces a link planted at the
  destination instead of following it, and a reader never sees half a file.
  :func:`open_partial` is its first half, for a file written in steps (an error report).
- :data:`PRIVATE` (0600) is the default mode of what the hub writes; :func:`file_mode` turns a
  configured ``"0600"`` / ``"0640"`` into a mode.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path
from typing import BinaryIO, Literal

from adapters.sdk.adapter_errors import PermanentError, RecordProblem

__all__ = [
    "PRIVATE",
    "FileMode",
    "NotRegularFile",
    "discard",
    "file_mode",
    "lstat_regular",
    "open_partial",
    "open_regular",
    "same_file",
    "what_is",
    "write_private",
]

NOT_REGULAR = "adapter.not_a_regular_file"
#: The mode of files the hub writes unless configured otherwise: its own account only.
PRIVATE = 0o600
#: Modes an operator may configure: private, or readable by the folder's group as well (a
#: department's import job reading the share under its own account in that group).
FileMode = Literal["0600", "0640"]
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFile(PermanentError):
    """An entry the hub will not read: not a regular file, or swapped since it was checked.

    Permanent (the entry is what it is); :attr:`problem` is the record problem to quarantine
    and report. The message names the entry by its name only.
    """

    def __init__(self, path: Path, what: str) -> None:
        message = (f"{path.name} is {what}; the hub reads only regular files and did not "
                   "follow or open it")
        super().__init__(message)
        self.path = path
        self.problem = RecordProblem(NOT_REGULAR, message, "file")


def file_mode(configured: FileMode | None) -> int:
    """The mode for a configured ``"0600"`` / ``"0640"`` (None: :data:`PRIVATE`)."""
    return PRIVATE if configured is None else int(configured, 8)


def what_is(status: os.stat_result) -> str | None:
    """What an entry is if not a plain regular file ("a symbolic link", ...); None if it is."""
    for test, name in _KINDS:
        if test(status.st_mode):
            return name
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file"
    if status.st_nlink > 1:
        return f"a file with {status.st_nlink} hard links"
    return None


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def lstat_regular(path: Path) -> os.stat_result:
    """``lstat`` of ``path`` if it is a regular file; :class:`NotRegularFile` otherwise.
    OSError (FileNotFoundError...) as ``os.lstat`` raises it."""
    status = os.lstat(path)
    what = what_is(status)
    if what is not None:
        raise NotRegularFile(path, what)
    return status


def open_regular(path: Path, *, expected: os.stat_result | None = None) -> BinaryIO:
    """``path`` opened for binary reading, if it is (still) a regular file (see module doc).

    :class:`NotRegularFile` if it is not, or is no longer the file ``expected`` describes;
    OSError for anything else (a missing file, no permission)."""
    listed = lstat_regular(path)
    if expected is not None and not same_file(listed, expected):
        raise NotRegularFile(path, "no longer the file that was checked (replaced meanwhile)")
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise NotRegularFile(path, "a symbolic link (swapped in after the check)") from e
        raise
    try:
        opened = os.fstat(descriptor)
        if not same_file(opened, listed) or what_is(opened) is not None:
            raise NotRegularFile(path, "no longer the file that was checked (replaced meanwhile)")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def open_partial(path: Path, mode: int = PRIVATE) -> tuple[BinaryIO, Path]:
    """A new file beside ``path`` under an unpredictable hidden name, open for binary writing,
    with exactly ``mode``; the caller writes it, then renames it over ``path`` (or discards it).
    """
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    descriptor = os.open(partial, _CREATE_FLAGS, mode)
    try:
        os.fchmod(descriptor, mode)  # the umask may have narrowed it; never widens beyond mode
        return os.fdopen(descriptor, "wb"), partial
    except BaseException:
        os.close(descriptor)
        discard(partial)
        raise


def write_private(path: Path, data: bytes, mode: int = PRIVATE, *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically with ``mode`` (see module doc). OSError as the
    file system raises it; nothing is left behind under the temporary name."""
    stream, partial = open_partial(path, mode)
    try:
        with stream:
            view = memoryview(data)
            while view:  # unbuffered: every error of the write is raised here
                view = view[os.write(stream.fileno(), view):]
            if fsync:
                os.fsync(stream.fileno())
        os.replace(partial, path)
    except BaseException:
        discard(partial)
        raise


def discard(path: Path) -> None:
    """Remove a temporary file if it is there; quiet (an error being raised says more)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # the folder itself is the problem; the error being raised says so
