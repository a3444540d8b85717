"""The admin API fuzzed from its own OpenAPI document (schemathesis, on Hypothesis).

Every operation is called with generated requests, valid and invalid (schemathesis' positive
and negative modes), as a stranger, a viewer and an operator, in-process through the ASGI
transport against a hub on the real RabbitMQ with a seeded dead letter and journaled input
(:mod:`tests.security.admin_support`). For every request:

- no 5xx;
- every error body is in the documented shape (``ErrorOut``), and a stranger only ever gets 401;
- a viewer never gets a 2xx from anything but ``GET``;
- nothing moves (dead letter, ``hub.inbound``, real actions in the audit trail) unless an
  operator's request succeeded and was not a dry run.

Bounded: :data:`EXAMPLES` requests per identity, across the seven operations, no per-example
deadline (a broker round trip varies on a shared machine), about a minute in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.journal.conftest import fresh_postgres_database
from tests.security.admin_support import (
    ANONYMOUS,
    CODE,
    DESTINATION,
    OPERATOR,
    VIEWER,
    AdminWorld,
    admin_world,
    error_of,
)

EXAMPLES = 150

IDENTITIES = {"stranger": ANONYMOUS, "viewer": VIEWER, "operator": OPERATOR}


@pytest.fixture
def world(rabbitmq_url: str, tmp_path: Path) -> Iterator[AdminWorld]:
    """Production's services: RabbitMQ, and the journal on PostgreSQL (which, unlike SQLite,
    cannot store a NUL: the 500 the issue found)."""
    with fresh_postgres_database() as journal_url, \
            admin_world(rabbitmq_url, tmp_path, journal_url=journal_url) as world:
        yield world


def _fuzz(world: AdminWorld, identity: str) -> None:
    """Call the API with :data:`EXAMPLES` generated requests as ``identity``, checking each.

    Cases are drawn from every operation, half valid for the document (positive) and half not
    (negative). The test drives Hypothesis itself, rather than through schemathesis' pytest
    plugin, which does not run under the pytest this project uses (it reads a private attribute
    pytest 9 no longer has).
    """
    # The document itself needs a token: a viewer's is enough to read it.
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app, headers=VIEWER)
    cases = st.one_of(schema.as_strategy(GenerationMode.POSITIVE),
                      schema.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def check(case: Any) -> None:
        _call_and_check(case, world, identity)

    check()


def test_a_stranger_gets_401_and_moves_nothing(world: AdminWorld) -> None:
    _fuzz(world, "stranger")


def test_a_viewer_reads_but_moves_nothing(world: AdminWorld) -> None:
    _fuzz(world, "viewer")


def test_an_operator_moves_things_only_by_a_successful_real_action(world: AdminWorld) -> None:
    _fuzz(world, "operator")


def _call_and_check(case: Any, world: AdminWorld, identity: str) -> None:
    # The identity's token replaces whatever was generated for the header (schemathesis' negative
    # mode also leaves it out on purpose, which is the stranger's test).
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers.update(IDENTITIES[identity])
    before = world.state()
    response = case.call()

    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        error = error_of(response)
        assert error["code"], error
    else:
        case.validate_response(response, checks=[response_schema_conformance])
    if identity == "stranger":
        assert response.status_code == 401, response.text
    if identity == "viewer" and case.method.upper() != "GET":
        assert response.status_code == 403, response.text

    # Only a real action may move anything: dry_run absent or exactly false. A dry_run of 0 or
    # "false" that moved something would be read here as a dry run, and fail.
    acted = (identity == "operator" and response.status_code < 300
             and case.method.upper() == "POST" and _body(case).get("dry_run", False) is False)
    if not acted:
        assert world.state() == before, (case.method, case.path, _body(case), response.text)


# --- the safety flag and the reason, by Hypothesis alone -----------------------------------------

#: What a lax parser reads as a boolean (pydantic's lax mode, JavaScript's truthiness).
LAX_BOOLEANS = [0, 1, 0.0, 1.0, "0", "1", "false", "true", "False", "no", "off", "n", "f", ""]

#: Anything JSON can carry that is not the boolean false (false would be a real action): half
#: the time one of the lax booleans, or Hypothesis would seldom try them.
NOT_FALSE = st.one_of(
    st.sampled_from(LAX_BOOLEANS),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8)
        | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=5,
    ),
).filter(lambda value: value is not False)


def test_only_the_boolean_true_is_a_dry_run_and_it_moves_nothing(world: AdminWorld) -> None:
    """Requests that would really act on the seeded dead letter and input, but for ``dry_run``."""

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(flag=NOT_FALSE)
    def check(flag: Any) -> None:
        before = world.state()
        for path, body in [(f"/dead-letters/{DESTINATION}/retry", {"all": True}),
                           ("/replay", {"credit_code": CODE})]:
            response = world.client.post(path, json={**body, "reason": "r", "dry_run": flag},
                                         headers=OPERATOR)
            if flag is True:
                assert response.status_code == 200 and response.json()["affected"] == 1, response.text
            else:
                assert response.status_code == 422, (flag, response.text)
                assert error_of(response)["code"] == "validation_error"
        assert world.state() == before

    check()


def test_any_reason_is_audited_as_given_or_refused_never_a_500(world: AdminWorld) -> None:
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(reason=st.text(max_size=40))
    def check(reason: str) -> None:
        audited = len(world.journal.audits(limit=10_000))
        response = world.client.post("/replay", json={"reason": reason, "dry_run": True},
                                     headers=OPERATOR)
        assert response.status_code in (200, 400, 422), response.text
        if response.status_code == 200:
            assert world.journal.audits(limit=1)[0].reason == reason
        else:
            assert error_of(response)["code"] in ("bad_request", "validation_error")
            assert len(world.journal.audits(limit=10_000)) == audited

    check()


def _body(case: Any) -> dict[str, Any]:
    body = case.body
    return body if isinstance(body, dict) else {}
