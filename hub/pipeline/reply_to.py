"""Which return address (AMQP ``reply_to``) the hub honours: the source's own queues only.

The hub publishes a feedback copy to a ``reply_to`` with its own broker account, which may
write to every queue; the source's topic permissions do not apply to it. So a ``reply_to`` is a
request that the hub write into a queue for the source, and is honoured only for queues the
source owns (:func:`reply_address`):

- ``hub.reply.<source>.<name>`` (``name``: 1 to 64 letters, digits, ``_`` or ``-``), a queue
  the source declares and reads itself (``amqp-direct`` gives its user exactly that);
- RabbitMQ's direct reply-to, ``amq.rabbitmq.reply-to``, as the broker hands it to the hub:
  ``amq.rabbitmq.reply-to.<pid>.<key>``. The broker routes a reply to that name back to the
  channel that published the input, and drops it if the key does not match, so a copy cannot
  reach anyone else. The token must have the form the broker issues (``<pid>``: base64 of an
  Erlang pid term, ``<key>``: base64): RabbitMQ decodes it when the hub publishes, and a token it
  cannot decode closes the hub's whole connection (541 INTERNAL_ERROR, seen on 3.10), which
  would let one message stall the hub. A well-formed token from a newer broker that this check
  does not know is refused too (the source still hears through ``hub.out.<source>``).

Anything else (another source's or a hub queue, an exchange-looking name, an over-long or
oddly spelled one) is not used: no copy goes there, and the feedback to ``hub.out.<source>``
carries a ``reply_to.refused`` note saying why. The input itself is processed as usual: the
record is not at fault, only its return address.
"""

from __future__ import annotations

import base64
import binascii
import re

from schemas.contract.problems import REPLY_TO_REFUSED, Problem
from schemas.contract.topology import (
    DIRECT_REPLY_TO,
    REPLY_NAME_PATTERN,
    is_reply_queue_of,
    reply_queue_prefix,
)

_BASE64 = re.compile(r"[A-Za-z0-9+/]{4,340}={0,2}")
_KEY = re.compile(r"[A-Za-z0-9+/]{4,64}={0,2}")
#: name@host, as Erlang node names are spelled.
_NODE = re.compile(rb"[A-Za-z0-9_.-]{1,100}@[A-Za-z0-9_.-]{1,150}")
# Erlang external term format: version byte, then the pid tags and the atom tags with the width
# of their length field; after the node atom a pid has ID, serial and creation (4, 4, 4 or 1).
_VERSION = 131
_PID_TAIL = {ord("X"): 12, ord("g"): 9}  # NEW_PID_EXT, PID_EXT
_ATOM_LENGTH = {100: 2, 118: 2, 115: 1, 119: 1}  # ATOM(_UTF8)_EXT, SMALL_ATOM(_UTF8)_EXT


def reply_address(source: str, reply_to: str | None) -> tuple[str | None, Problem | None]:
    """Where the feedback copy for ``reply_to`` may go, and the note when it may not.

    ``(queue, None)``: publish a copy to ``queue`` (the default exchange); ``(None, problem)``:
    send no copy and report ``problem`` (``reply_to.refused``); ``(None, None)``: none asked.
    """
    if not reply_to:
        return None, None
    if is_reply_queue_of(source, reply_to) or is_direct_reply_to(reply_to):
        return reply_to, None
    return None, Problem(
        REPLY_TO_REFUSED,
        "reply_to",
        f"reply_to {reply_to[:80]!r}{'...' if len(reply_to) > 80 else ''} is not one of your "
        f"queues: feedback is sent to a reply_to only when it is "
        f"{reply_queue_prefix(source)}<name> (<name>: {REPLY_NAME_PATTERN}) or "
        f"{DIRECT_REPLY_TO}; this feedback is the answer",
    )


def is_direct_reply_to(name: str) -> bool:
    """Whether ``name`` is RabbitMQ's direct reply-to, or a token of the form it issues."""
    if name == DIRECT_REPLY_TO:
        return True
    prefix = DIRECT_REPLY_TO + "."
    if not name.startswith(prefix):
        return False
    pid, dot, key = name[len(prefix):].partition(".")
    if not dot or not _BASE64.fullmatch(pid) or not _KEY.fullmatch(key):
        return False
    try:
        term = base64.b64decode(pid, validate=True)
    except (binascii.Error, ValueError):
        return False
    return _is_pid_term(term)


def _is_pid_term(term: bytes) -> bool:
    """Whether ``term`` is exactly one Erlang pid in external term format, on a node whose name
    reads as one (so the broker decodes it without failing)."""
    if len(term) < 4 or term[0] != _VERSION or term[1] not in _PID_TAIL:
        return False
    width = _ATOM_LENGTH.get(term[2])
    if width is None:
        return False
    start = 3 + width
    length = int.from_bytes(term[3:start], "big")
    node = term[start:start + length]
    return (len(node) == length and bool(_NODE.fullmatch(node))
            and len(term) - start - length == _PID_TAIL[term[1]])
