"""``rest-push`` over real HTTP: what it answers, what reaches the port, and nothing lost."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.sdk import ConfigError, InboundRecord, TransientError
from adapters.testing import RecordingPort, sample_licence
from tests.adapters.rest.harness import as_port

TOKEN = "push-token-1"
LICENCE = json.dumps(sample_licence("0001"), ensure_ascii=False).encode("utf-8")


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort("service-hall")


def start(inbound: RecordingPort, monkeypatch: pytest.MonkeyPatch,
          **options: Any) -> RestPushAdapter:
    monkeypatch.setenv("HALL_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("HALL_PUSH_TOKEN_NEXT", "push-token-2")
    config = RestPushConfig.model_validate({
        "kind": "rest-push", "port": 0,
        "tokens": ["env:HALL_PUSH_TOKEN", "env:HALL_PUSH_TOKEN_NEXT"], **options,
    })
    adapter = RestPushAdapter(config, system="service-hall", port=as_port(inbound))
    adapter.start()
    return adapter


@pytest.fixture
def webhook(port: RecordingPort, monkeypatch: pytest.MonkeyPatch) -> Iterator[RestPushAdapter]:
    adapter = start(port, monkeypatch, max_body_bytes=64 * 1024, retry_after_seconds=7,
                    id_field="decision_document_number")
    yield adapter
    adapter.stop()


def post(adapter: RestPushAdapter, body: bytes, path: str = "/records/administrative_licence",
         token: str | None = TOKEN, **headers: str) -> requests.Response:
    sent = {"Content-Type": "application/json", **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return requests.post(f"{adapter.url}{path}", data=body, headers=sent, timeout=5)


def test_a_record_is_answered_202_with_its_hub_id_after_submit(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    response = post(webhook, LICENCE, **{"X-Message-Id": "SH-2026-1"})
    assert response.status_code == 202
    assert response.json() == {"accepted": [{"index": 0, "message_id": "SH-2026-1"}],
                               "rejected": []}
    (record,) = port.submitted
    assert json.loads(record.body) == json.loads(LICENCE)
    assert (record.record_type, record.source_message_id) == ("administrative_licence",
                                                              "SH-2026-1")


def test_an_array_is_submitted_as_one_batch_with_ids_from_the_records(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    records = [sample_licence(f"000{n}") for n in range(3)]
    for n, record in enumerate(records):
        record["decision_document_number"] = f"DOC-{n}"
    response = post(webhook, json.dumps(records).encode(), path="/records",
                    **{"X-Record-Type": "administrative_licence"})
    assert response.status_code == 202
    assert [a["message_id"] for a in response.json()["accepted"]] == ["DOC-0", "DOC-1", "DOC-2"]
    assert [json.loads(r.body)["licence_number"] for r in port.submitted] == [
        "JY0000", "JY0001", "JY0002"]


@pytest.mark.parametrize("token", [None, "wrong", "Basic " + TOKEN])
def test_a_missing_or_wrong_token_is_401_and_nothing_is_kept(
    webhook: RestPushAdapter, port: RecordingPort, token: str | None
) -> None:
    headers = {} if token is None else {"Authorization": token if " " in token
                                        else f"Bearer {token}"}
    response = requests.post(f"{webhook.url}/records/administrative_licence", data=LICENCE,
                             headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "adapter.unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert port.submitted == [] and port.rejected == []


def test_a_second_token_is_accepted_while_rotating(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    assert post(webhook, LICENCE, token="push-token-2").status_code == 202
    assert len(port.submitted) == 1


def test_malformed_json_is_400_with_a_machine_readable_error_and_quarantined(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    body = b'{"licence_number": "JY1",\n "status": }'
    response = post(webhook, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"]["code"] == "adapter.malformed"
    # Read by the pipeline's strict reader: the place is in the message (the path is for fields).
    assert answer["error"]["message"].startswith("json.malformed: line 2, column 12")
    (rejection,) = port.rejected
    assert answer["message_id"]
    assert rejection.body == body  # byte for byte: nothing lost
    assert rejection.record_type == "administrative_licence"
    assert rejection.content_type == "application/json"
    assert port.submitted == []


def test_a_declared_charset_is_honoured_and_undecodable_bytes_are_quarantined(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    gbk = json.dumps({"content": "热食类食品制售"}, ensure_ascii=False).encode("gbk")
    assert post(webhook, gbk, **{"Content-Type": "application/json; charset=GBK"}
                ).status_code == 202
    assert json.loads(port.submitted[0].body) == {"content": "热食类食品制售"}
    response = post(webhook, gbk)  # the same bytes, declared as nothing: UTF-8
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "adapter.encoding"
    assert port.rejected[0].body == gbk


def test_an_array_with_bad_elements_takes_the_good_and_quarantines_each_bad_one(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    response = post(webhook, b'[{"a": 1}, "stray", {"a": 2}, [3]]')
    assert response.status_code == 202
    answer = response.json()
    assert [a["index"] for a in answer["accepted"]] == [0, 2]
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [
        (1, "adapter.malformed"), (3, "adapter.malformed")]
    assert [r.body for r in port.rejected] == [b'"stray"', b"[3]"]
    assert [r.problem.path for r in port.rejected] == ["[1]", "[3]"]
    assert len(port.submitted) == 2


@pytest.mark.parametrize("body", [b"42", b'[1, "two"]'])
def test_a_body_without_any_object_is_400(
    webhook: RestPushAdapter, port: RecordingPort, body: bytes
) -> None:
    response = post(webhook, body)
    assert response.status_code == 400
    assert port.submitted == [] and port.rejected


def test_an_empty_body_is_400_with_nothing_to_quarantine(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    response = post(webhook, b"")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "adapter.malformed",
                                        "message": "the body is empty", "path": ""}
    assert port.submitted == [] and port.rejected == []


def test_an_unknown_record_type_is_400_and_quarantined_unclassified(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    response = post(webhook, LICENCE, path="/records/licences")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "adapter.unsupported"
    assert "licences" in response.json()["error"]["message"]
    (rejection,) = port.rejected
    assert rejection.record_type is None and rejection.body == LICENCE


def test_an_oversized_body_is_413_and_the_client_reads_the_answer(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    response = post(webhook, b" " * (512 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "http.too_large"
    assert port.submitted == [] and port.rejected == []


def test_a_chunked_body_without_length_is_411(webhook: RestPushAdapter) -> None:
    response = requests.post(f"{webhook.url}/records/administrative_licence",
                             data=iter([LICENCE]), timeout=5,
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 411
    assert response.json()["error"]["code"] == "http.length_required"


def test_503_with_retry_after_while_the_hub_refuses_and_the_resend_is_taken(
    webhook: RestPushAdapter, port: RecordingPort
) -> None:
    port.failing = True
    response = post(webhook, LICENCE)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["code"] == "hub.unavailable"
    malformed = post(webhook, b"{")  # cannot even be quarantined now: 503 too, resend later
    assert malformed.status_code == 503
    assert port.submitted == [] and port.rejected == []
    assert "hub unavailable" in webhook.health().detail
    port.failing = False
    assert post(webhook, LICENCE).status_code == 202
    assert len(port.submitted) == 1


def test_health_endpoint_and_unknown_addresses(webhook: RestPushAdapter) -> None:
    health = requests.get(f"{webhook.url}/health", timeout=5)
    assert health.status_code == 200 and health.json() == {"status": "ok",
                                                           "source": "service-hall"}
    assert requests.get(f"{webhook.url}/records", timeout=5).status_code == 404
    assert post(webhook, LICENCE, path="/elsewhere").status_code == 404
    put = requests.put(f"{webhook.url}/records/x", data=b"{}", timeout=5)
    assert put.status_code == 405 and put.headers["Allow"] == "POST"
    assert webhook.health().ok


class BlockingPort(RecordingPort):
    """Holds every submit until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__("service-hall")
        self.entered = threading.Event()
        self.release = threading.Event()

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        self.entered.set()
        assert self.release.wait(10)
        return super().submit(records)


def test_stop_answers_the_request_in_flight_then_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = BlockingPort()
    adapter = start(port, monkeypatch)
    url = adapter.url
    answers: list[requests.Response] = []
    client = threading.Thread(target=lambda: answers.append(post(adapter, LICENCE)))
    client.start()
    assert port.entered.wait(5)
    stopper = threading.Thread(target=adapter.stop)
    stopper.start()
    time.sleep(0.3)
    assert stopper.is_alive(), "stop() must wait for the request being answered"
    port.release.set()
    stopper.join(5)
    client.join(5)
    assert not stopper.is_alive() and answers[0].status_code == 202
    assert len(port.submitted) == 1
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=2)
    assert not adapter.health().ok
    adapter.stop()


def test_a_taken_address_is_transient_and_a_missing_token_a_config_error(
    port: RecordingPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(TransientError, match="cannot listen"):
            start(port, monkeypatch, port=taken.getsockname()[1])
    config = RestPushConfig.model_validate({"kind": "rest-push", "port": 0,
                                            "tokens": ["env:NO_SUCH_PUSH_TOKEN"]})
    with pytest.raises(ConfigError, match="NO_SUCH_PUSH_TOKEN"):
        RestPushAdapter(config, system="service-hall", port=as_port(port)).start()


@pytest.mark.parametrize("options, message", [
    ({}, "give tokens"),
    ({"tokens": ["plain-token"]}, "by reference"),
    ({"tokens": ["env:T"], "record_type": "credit_record",
      "record_types": ["administrative_licence"]}, "not in record_types"),
])
def test_unsafe_or_inconsistent_configs_are_refused(options: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RestPushConfig.model_validate({"kind": "rest-push", "port": 0, **options})


def test_anonymous_pushes_only_when_explicitly_allowed(
    port: RecordingPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = RestPushAdapter(
        RestPushConfig.model_validate({"kind": "rest-push", "port": 0, "allow_anonymous": True,
                                       "record_type": "administrative_licence"}),
        system="service-hall", port=as_port(port))
    adapter.start()
    try:
        assert post(adapter, LICENCE, path="/records", token=None).status_code == 202
    finally:
        adapter.stop()
    assert port.submitted[0].record_type == "administrative_licence"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_https_is_served_with_a_certificate_and_a_plain_client_blocks_no_one(
    port: RecordingPort, monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    adapter = start(port, monkeypatch, tls_certificate=str(cert), tls_key=str(key))
    try:
        assert adapter.url.startswith("https://127.0.0.1:")
        with socket.create_connection(("127.0.0.1", int(adapter.url.rsplit(":", 1)[1]))):
            # A client that connects and says nothing holds its own thread, not the server.
            response = requests.post(f"{adapter.url}/records/administrative_licence",
                                     data=LICENCE, verify=str(cert), timeout=5,
                                     headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 202
        with pytest.raises(requests.ConnectionError):
            requests.post(adapter.url.replace("https", "http") + "/records/x", data=b"{}",
                          timeout=5)
    finally:
        adapter.stop()
    assert len(port.submitted) == 1


def test_unusable_tls_files_stop_start_with_a_config_error(
    port: RecordingPort, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot serve HTTPS"):
        start(port, monkeypatch, tls_certificate=str(tmp_path / "cert.pem"),
              tls_key=str(tmp_path / "cert.pem"))
    with pytest.raises(ValidationError, match="both tls_certificate and tls_key"):
        RestPushConfig.model_validate({"kind": "rest-push", "port": 0, "tokens": ["env:T"],
                                       "tls_certificate": str(tmp_path / "cert.pem")})
