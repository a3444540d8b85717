"""soap-serve's lifecycle and configuration: start and stop release everything, a bad config is
refused before anything listens."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from pydantic import ValidationError

from adapters.sdk import ConfigError, Health, TransientError
from adapters.soap.serve import SoapServeConfig
from adapters.testing import RecordingPort
from tests.adapters.soap.conftest import (
    serve_adapter,
    serve_config,
    soap_request,
    submit_record,
)


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def test_stop_releases_the_port_and_ends_the_server_thread(caller_env: str) -> None:
    adapter = serve_adapter(serve_config(caller_env), RecordingPort("city-platform"))
    adapter.start()
    url, port = adapter.url, _port_of(adapter.url)
    assert requests.get(f"{url}?wsdl", timeout=5).status_code == 200
    assert adapter.health().ok
    name = f"soap-serve:city-platform:{port}"
    assert any(t.name == name for t in threading.enumerate())
    adapter.stop()
    assert not any(t.name == name for t in threading.enumerate())
    with socket.socket() as probe:  # nothing listens there any more (Linux refuses the bind
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # while a listener exists)
        probe.bind(("127.0.0.1", port))
        probe.listen()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}?wsdl", timeout=2)
    assert not adapter.health().ok
    adapter.stop()  # idempotent


def test_an_adapter_can_be_stopped_without_being_started(caller_env: str) -> None:
    adapter = serve_adapter(serve_config(caller_env), RecordingPort("city-platform"))
    adapter.stop()
    assert adapter.health() == Health(False, "not started")


def test_a_port_already_in_use_is_transient_so_the_core_tries_again(caller_env: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        adapter = serve_adapter(serve_config(caller_env, port=busy), RecordingPort("city-platform"))
        with pytest.raises(TransientError, match=f"cannot listen on 127.0.0.1:{busy}"):
            adapter.start()
        assert not adapter.health().ok


def test_a_password_reference_that_resolves_to_nothing_stops_start_up() -> None:
    config = serve_config("SOAP_TEST_NOBODY_SET_THIS")
    adapter = serve_adapter(config, RecordingPort())
    with pytest.raises(ConfigError, match="SOAP_TEST_NOBODY_SET_THIS"):
        adapter.start()


def test_a_missing_wsdl_file_stops_start_up(caller_env: str) -> None:
    adapter = serve_adapter(serve_config(caller_env, wsdl="/nonexistent/x.wsdl"), RecordingPort())
    with pytest.raises(ConfigError, match="/nonexistent/x.wsdl"):
        adapter.start()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"callers": {}}, "allow_anonymous"),
    ({"callers": {"city": "plain-text-password"}}, "by reference"),
    ({"record_types": ["tax_return"]}, "tax_return"),
    ({"listen": 8080}, "Extra inputs"),
    ({"path": "soap"}, "path"),
])
def test_a_config_that_would_misbehave_is_refused(overrides: dict[str, object],
                                                   message: str) -> None:
    raw = {"kind": "soap-serve", "callers": {"city": "env:CITY_PASSWORD"}, **overrides}
    with pytest.raises(ValidationError, match=message):
        SoapServeConfig.model_validate(raw)


def test_with_anonymous_callers_allowed_no_credentials_are_needed_and_junk_is_kept() -> None:
    port = RecordingPort("city-platform")
    config = SoapServeConfig.model_validate({"kind": "soap-serve", "port": 0,
                                             "allow_anonymous": True})
    adapter = serve_adapter(config, port)
    adapter.start()
    try:
        ok = requests.post(adapter.url, data=soap_request(submit_record(), header=""),
                           headers={"Content-Type": "text/xml"}, timeout=5)
        junk = requests.post(adapter.url, data=b"junk", timeout=5)
    finally:
        adapter.stop()
    assert ok.status_code == 200 and port.submitted[0].headers == {"hub-soap-caller": "anonymous"}
    assert junk.status_code == 500 and port.rejected[0].body == b"junk"
