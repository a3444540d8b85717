"""The rest-push webhook fuzzed (Hypothesis, bounded in examples and time) on the real RabbitMQ:
random bodies (hostile JSON and raw bytes), content types, record-type paths and headers never
get a 5xx, every refusal has the documented error shape, and a legitimate push still works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.testing import sample_licence
from tests.security.json_doors_support import BAD_JSON, LICENCE, Door, webhook_door

pytestmark = pytest.mark.rabbitmq

# Printable ASCII without leading/trailing space: what an HTTP client lets through as a value.
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(str.strip)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_BODIES = st.one_of(
    st.binary(min_size=1, max_size=2048),
    st.sampled_from([body for _, body, _ in BAD_JSON]),
    _JSON_VALUES.map(lambda v: json.dumps(v, default=str).encode()),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda a, b: a + b, st.sampled_from([b"{", b"[", b'{"a":', b"\xef\xbb\xbf"]),
              st.binary(max_size=64)),
)
_CONTENT_TYPES = st.one_of(
    st.sampled_from(["application/json", "application/json; charset=utf-8",
                     "application/json; charset=gbk", "application/json; charset=utf-16",
                     "application/json; charset=nonsense", "text/plain", ""]),
    _HEADER_TEXT,
)
_PATHS = st.one_of(
    st.just(f"/records/{LICENCE}"), st.just("/records"),
    _HEADER_TEXT.map(lambda t: "/records/" + t.replace("#", "").replace("?", "")),
)


def _documented_shape(status: int, body: Any) -> bool:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return all(isinstance(error.get(k), str) for k in ("code", "message", "path"))
    # An array whose every element was refused: 400 with the per-element list.
    return status == 400 and body.get("accepted") == [] and isinstance(body.get("rejected"), list)


def test_random_pushes_never_get_a_5xx_and_every_refusal_is_the_documented_shape(
    rabbitmq_url: str, tmp_path: Path
) -> None:
    with webhook_door(rabbitmq_url, tmp_path) as door:
        _fuzz(door)
        good = json.dumps(sample_licence("0099"), ensure_ascii=False).encode()
        assert door.post(good).status_code == 202  # legitimate traffic still flows


def _fuzz(door: Door) -> None:
    @settings(max_examples=150, deadline=5000, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(body=_BODIES, content_type=_CONTENT_TYPES, path=_PATHS,
           message_id=st.none() | _HEADER_TEXT, record_type=st.none() | _HEADER_TEXT)
    def push(body: bytes, content_type: str, path: str, message_id: str | None,
             record_type: str | None) -> None:
        headers = {"Content-Type": content_type}
        if message_id is not None:
            headers["X-Message-Id"] = message_id
        if record_type is not None:
            headers["X-Record-Type"] = record_type
        answer = door.post(body, path=path, headers=headers)
        assert answer.status_code < 500, answer.text
        assert answer.headers["Content-Type"].startswith("application/json")
        if not 200 <= answer.status_code < 300:
            assert _documented_shape(answer.status_code, answer.json()), answer.text

    push()
