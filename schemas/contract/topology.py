"""The names of the hub's RabbitMQ topology: what each exchange and queue is for.

Exchanges:
  ``hub.inbound``  (topic)  where sources publish, routing key ``<source-id>.<record-type>``
  ``hub.outbound`` (direct) where the hub publishes, routing key = destination
  ``hub.retry``    (topic)  inputs waiting to be tried again; they come back to ``hub.inbound``
  ``hub.dead``     (direct) dead letters, routing key = the name of the queue they died in

Queues:
  ``hub.inbound``            everything sources publish
  ``hub.inbound.retry``      inputs whose outputs the broker refused, held for a delay
  ``hub.inbound.dead``       inputs that failed every attempt (or, on quorum queues, crashed
                             workers more than ``delivery_limit`` times)
  ``hub.out.<system>``       one per destination system: unified records and feedback
  ``hub.out.<system>.dead``  what that system's consumer rejected
  ``hub.quarantine``         rejected inputs: original body, reason, source headers
  ``hub.review``             records whose credit code needs a look (known non-conforming codes);
                             the review verifier asks the legal-entity library, and hands what it
                             cannot decide to ``hub.review.dead``
  ``hub.claim``              registrations no approving department was found for (认领)
  ``hub.delay.<d>``          deliveries waiting ``d`` (e.g. 30m) before their next attempt; on
                             expiry they return to ``hub.outbound`` under their destination key

Every queue is durable and carries ``x-queue-type``, so the same topology runs on classic queues
on one machine or quorum queues on a cluster. Declaring is idempotent; every hub process
declares the whole topology when it connects.
"""

from __future__ import annotations

INBOUND = "hub.inbound"
OUTBOUND = "hub.outbound"
RETRY = "hub.retry"
DEAD = "hub.dead"
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


#: Header with the time (epoch milliseconds) a message entered a delayed queue.
PARKED_AT_HEADER = "hub-parked-at"
