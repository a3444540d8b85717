"""The names of the hub's RabbitMQ topology: what each exchange and queue is for.

Exchanges:
  ``hub.inbound``  (topic)  where sources publish, routing key ``<source-id>.<record-type>``
  ``hub.outbound`` (direct) where the hub publishes, routing key = destination
  ``hub.retry``    (topic)  inputs waiting to be tried again; they come back to ``hub.inbound``
  ``hub.dead``     (direct) dead letters, routing key = the name of the queue they died in
  ``hub.information`` (topic) questions to the information service's AMQP door, any key

Queues:
  ``hub.inbound``            everything sources publish
  ``hub.inbound.retry``      inputs whose outputs the broker refused, held for a delay
  ``hub.inbound.dead``       inputs that failed every attempt (or, on quorum queues, crashed
                             workers more than ``delivery_limit`` times)
  ``hub.out.<system>``       one per destination system: unified records and feedback
  ``hub.out.<system>.dead``  what that system's consumer rejected
  ``hub.quarantine``         rejected inputs: original body, reason, source headers
  ``hub.review``             records whose credit code needs a look (fails only the check
                             character: allow-listed, or organisation code self-consistent);
                             the review verifier asks the legal-entity library, and hands what it
                             cannot decide to ``hub.review.dead``
  ``hub.claim``              registrations no approving department was found for (认领)
  ``hub.delay.<d>``          deliveries waiting ``d`` (e.g. 30m) before their next attempt; on
                             expiry they return to ``hub.outbound`` under their destination key
  ``hub.information``        questions waiting for the AMQP door; a question older than
                             ``INFORMATION_TTL_MS`` is dropped (its asker has stopped
                             waiting), and a full queue refuses new ones (``reject-publish``:
                             the asker's publish is nacked), so a flood is bounded
  ``hub.reply.<source>.<n>`` a source's own reply queues (it declares and reads them; the hub
                             declares none): the only queues a ``reply_to`` may name, besides
                             RabbitMQ's direct reply-to (``amq.rabbitmq.reply-to``)

Every queue is durable and carries ``x-queue-type``, so the same topology runs on classic queues
on one machine or quorum queues on a cluster. Declaring is idempotent; every hub process
declares the whole topology when it connects.
"""

from __future__ import annotations

import re

INBOUND = "hub.inbound"
OUTBOUND = "hub.outbound"
RETRY = "hub.retry"
DEAD = "hub.dead"
#: The information service's AMQP door: exchange and queue of the same name.
INFORMATION = "hub.information"
#: How long a question waits for the door before it is dropped.
INFORMATION_TTL_MS = 60_000
#: How many questions may wait at once; beyond, new ones are refused at publish.
INFORMATION_MAX_WAITING = 10_000
INBOUND_RETRY_QUEUE = "hub.inbound.retry"
INBOUND_DEAD_QUEUE = "hub.inbound.dead"

#: Hub-owned destinations on ``hub.outbound``: routing key -> queue.
QUARANTINE = "quarantine"
REVIEW = "review"
CLAIM = "claim"
SPECIAL_QUEUES = {QUARANTINE: "hub.quarantine", REVIEW: "hub.review", CLAIM: "hub.claim"}


def outbound_queue_name(destination: str) -> str:
    """The queue a destination reads: ``hub.out.<system>`` or a hub-owned queue."""
    return SPECIAL_QUEUES.get(destination, f"hub.out.{destination}")


def inbound_routing_key(source: str, record_type: str) -> str:
    return f"{source}.{record_type}"


#: RabbitMQ's direct reply-to pseudo-queue: a client consuming it may publish with this
#: ``reply_to``; the broker hands the consumer of the input ``amq.rabbitmq.reply-to.<token>``
#: and routes a reply to that name back to the publishing channel, and nowhere else.
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
#: The last part of a reply queue's name: a bounded charset (no dot, no regex metacharacter),
#: so that ``hub.reply.<source>.<name>`` names exactly one queue and reads as a permission.
REPLY_NAME_PATTERN = "[A-Za-z0-9_-]{1,64}"
_REPLY_NAME = re.compile(REPLY_NAME_PATTERN)


def reply_queue_prefix(source: str) -> str:
    """``hub.reply.<source>.``: every reply queue of ``source`` starts so (system ids have no
    dot, so no source's prefix is another's)."""
    return f"hub.reply.{source}."


def reply_queue_pattern(source: str) -> str:
    """A regex matching exactly the reply queues of ``source`` (RabbitMQ permissions use it)."""
    return f"^{re.escape(reply_queue_prefix(source))}{REPLY_NAME_PATTERN}$"


def is_reply_queue_of(source: str, name: str) -> bool:
    """Whether ``name`` is one of ``source``'s own reply queues, ``hub.reply.<source>.<name>``."""
    prefix = reply_queue_prefix(source)
    return bool(source) and name.startswith(prefix) and bool(
        _REPLY_NAME.fullmatch(name[len(prefix):]))


#: Header with the time (epoch milliseconds) a message entered a delayed queue.
PARKED_AT_HEADER = "hub-parked-at"
