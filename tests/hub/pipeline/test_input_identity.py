"""One input, one hub message id, however often the broker delivers it.

The journal keeps one row per hub message id; an input redelivered after a crash, or retried
by the hub, must come back under the id it was journaled with, or it would be counted twice.
"""

from __future__ import annotations

from hub.pipeline.receive import hub_message_id, input_id
from schemas.contract.messages import (
    ATTEMPT_HEADER,
    HUB_MESSAGE_ID_HEADER,
    REPLAY_OF_HEADER,
    InboundMessage,
)

HUB_USER = "hub"
MESSAGE = InboundMessage(body=b'{"a": 1}', routing_key="market.administrative_licence",
                         message_id="row-7", correlation_id="c-1", user_id="dept-market")


def test_every_delivery_of_a_message_gets_the_same_id() -> None:
    assert hub_message_id(MESSAGE, HUB_USER) == hub_message_id(MESSAGE, HUB_USER)


def test_the_hubs_retry_copy_keeps_the_id_of_the_input() -> None:
    retry = MESSAGE.copy_to("hub.retry", MESSAGE.routing_key, {ATTEMPT_HEADER: 2},
                            MESSAGE.message_id, MESSAGE.correlation_id)
    again = InboundMessage(body=retry.body, routing_key=retry.routing_key,
                           message_id=retry.message_id, correlation_id=retry.correlation_id,
                           headers=retry.headers, user_id=HUB_USER)
    assert hub_message_id(again, HUB_USER) == hub_message_id(MESSAGE, HUB_USER)


def test_what_tells_two_messages_apart_gives_them_different_ids() -> None:
    ids = {input_id(MESSAGE),
           input_id(InboundMessage(body=b'{"a": 2}', routing_key=MESSAGE.routing_key,
                                   message_id="row-7", correlation_id="c-1")),
           input_id(InboundMessage(body=MESSAGE.body, routing_key=MESSAGE.routing_key,
                                   message_id="row-8", correlation_id="c-1")),
           input_id(InboundMessage(body=MESSAGE.body, routing_key="tax.administrative_licence",
                                   message_id="row-7", correlation_id="c-1"))}
    assert len(ids) == 4


def test_a_replay_is_an_input_of_its_own() -> None:
    replay = InboundMessage(body=MESSAGE.body, routing_key=MESSAGE.routing_key,
                            message_id="row-7", correlation_id="c-1",
                            headers={REPLAY_OF_HEADER: "original"}, user_id=HUB_USER)
    first, second = hub_message_id(replay, HUB_USER), hub_message_id(replay, HUB_USER)
    assert first != second != hub_message_id(MESSAGE, HUB_USER)
    # A department cannot make its message a "replay" to escape the derived id.
    forged = InboundMessage(body=MESSAGE.body, routing_key=MESSAGE.routing_key,
                            message_id="row-7", correlation_id="c-1",
                            headers={REPLAY_OF_HEADER: "x"}, user_id="dept-market")
    assert hub_message_id(forged, HUB_USER) == hub_message_id(MESSAGE, HUB_USER)


def test_the_id_the_hubs_own_port_gave_is_kept_and_nobody_elses() -> None:
    given = "3f0c6d6e-1111-4222-8333-444455556666"
    port = InboundMessage(body=MESSAGE.body, routing_key=MESSAGE.routing_key,
                          headers={HUB_MESSAGE_ID_HEADER: given}, user_id=HUB_USER)
    claimed = InboundMessage(body=MESSAGE.body, routing_key=MESSAGE.routing_key,
                             headers={HUB_MESSAGE_ID_HEADER: given}, user_id="dept-market")
    assert hub_message_id(port, HUB_USER) == given
    assert hub_message_id(claimed, HUB_USER) != given
