"""The connections file: which adapters reach each system, checked before anything connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.legal_entity import LegalEntityLookup, LegalEntityLookupConfig
from adapters.registry import BUILTIN_ADAPTERS, AdapterRegistry
from adapters.rest.outbound import RestOutAdapter
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.delivery.runner import DeliveryRunner
from hub.hosting.adapter_host import LOOKUP_KIND, build_lookup
from hub.hosting.connections import Connections
from hub.journal import Journal, JournalWriter
from hub.review import ReviewVerifier
from schemas.contract.errors import ConfigError


def _hub(tmp_path: Path, connections: str) -> Hub:
    path = tmp_path / "connections.yaml"
    path.write_text(connections, encoding="utf-8")
    return Hub(load_settings(broker_url="memory://", data_dir=tmp_path, connections_file=path,
                             delivery_retry_schedule="10s,1m"))


def test_each_outbound_adapter_gets_a_delivery_runner_with_its_own_schedule(tmp_path: Path) -> None:
    hub = _hub(tmp_path, """connections:
  credit-platform:
    outbound: {kind: rest-out, url: "http://127.0.0.1:9/x", retry_schedule: "3m,1d"}
  tax:
    mode: rest
    outbound: {kind: rest-out, url: "http://127.0.0.1:9/y"}
""")
    queues = set(hub.topology.queue_names())
    assert {"hub.delay.10s", "hub.delay.1m", "hub.delay.3m", "hub.delay.1d"} <= queues
    journal = Journal.open(hub.settings.resolved_journal_url())
    with JournalWriter(journal) as writer:
        loops = hub.runtime(journal, writer).loops
    runners = {name: loop for name, loop in loops.items() if isinstance(loop, DeliveryRunner)}
    # Beside the supervision database's own, which every hub has.
    assert sorted(runners) == ["deliver:credit-platform", "deliver:supervision-db", "deliver:tax"]
    assert [d.label for d in runners["deliver:credit-platform"].policy.schedule] == ["3m", "1d"]
    assert [d.label for d in runners["deliver:tax"].policy.schedule] == ["10s", "1m"]
    assert isinstance(runners["deliver:tax"].destination, RestOutAdapter)
    journal.close()


@pytest.mark.parametrize(
    ("connections", "message"),
    [
        ("connections:\n  nowhere: {outbound: {kind: rest-out, url: 'http://x/'}}\n",
         "unknown system.*nowhere"),
        ("connections:\n  tax: {outbound: {kind: rest-out, url: 'http://x/', retries: 3}}\n",
         "(?s)tax.*retries"),
        ("connections:\n  tax: {outbound: {kind: rest-out, url: 'http://x/', retry_schedule: '5 min'}}\n",
         "5 min"),
        ("connections:\n  tax: {outbound: {kind: rest-outt, url: 'http://x/'}}\n",
         "did you mean 'rest-out'"),
        ("connections:\n  tax: {outbound: {url: 'http://x/'}}\n", "no 'kind'"),
        ("connections:\n  tax: {outbound: {kind: rest-out, url: 'ftp://x/'}}\n", "not an http"),
        ("connections:\n  tax: {outbound: {kind: rest-out, url: 'http://x/', token: s3cret}}\n",
         "by reference"),
        ("connections:\n  tax: {mode: db, outbound: {kind: rest-out, url: 'http://x/'}}\n",
         "mode 'db' is not the mode"),
        ("connections:\n  tax: {credit_code: 91310000MA1FL0XX00}\n", "fails the check"),
        # market's code: a connections file cannot give tax another system's identity.
        ("connections:\n  tax: {credit_code: 11310112002985683Y}\n",
         "not one of the system's credit_codes in the systems catalogue"),
        ("connections:\n  tax: {provides: [parking_ticket]}\n", "parking_ticket"),
        ("connections:\n  tax: {inbound: [{kind: rest-out, url: 'http://x/'}]}\n",
         "cannot be used for inbound"),
        ("systems: {}\n", "one mapping, 'connections'"),
        ("connections:\n  legal-entity-library: {lookup: {url: 'http://x/entities'}}\n",
         "needs {credit_code}"),
        (("connections:\n  legal-entity-library: {lookup: {url: 'http://x/{credit_code}', "
          "cache: 5}}\n"), "(?s)legal-entity-library.*cache"),
        (("connections:\n  legal-entity-library: {lookup: {url: 'http://x/{credit_code}', "
          "auth: {type: bearer, token: s3cret}}}\n"), "by reference"),
        ("connections:\n  tax: {lookup: {url: 'http://x/{credit_code}'}}\n",
         "only legal-entity-library, credit-platform answer lookups"),
    ],
    ids=["unknown-system", "unknown-key", "bad-schedule", "misspelt-kind", "no-kind", "bad-url",
         "inline-secret", "wrong-mode", "bad-credit-code", "credit-code-not-the-catalogues",
         "unknown-record-type",
         "outbound-as-inbound", "wrong-shape", "lookup-url", "lookup-unknown-key",
         "lookup-inline-secret", "lookup-elsewhere"],
)
def test_a_bad_connections_file_stops_start_up_naming_the_problem(
    tmp_path: Path, connections: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _hub(tmp_path, connections)


LOOKUP = """connections:
  legal-entity-library:
    lookup:
      url: "http://127.0.0.1:9/entities/{credit_code}"
      auth: {type: bearer, token: "env:TEST_LIBRARY_TOKEN"}
"""


def test_a_library_lookup_adds_the_review_verifier_and_no_lookup_leaves_review_to_people(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LIBRARY_TOKEN", "t0ken")
    hub = _hub(tmp_path, LOOKUP)
    lookup = hub.connections.lookup()
    assert isinstance(lookup, LegalEntityLookupConfig) and lookup.kind == LOOKUP_KIND
    assert lookup.url.endswith("/entities/{credit_code}")
    journal = Journal.open(hub.settings.resolved_journal_url())
    with JournalWriter(journal) as writer:
        verifier = hub.runtime(journal, writer).loops["verify:review"]
        assert isinstance(verifier, ReviewVerifier)
        # The host built the registered lookup adapter, for the library, behind the port.
        assert isinstance(verifier.lookup, LegalEntityLookup)
        assert (verifier.lookup.system, verifier.lookup.config) == ("legal-entity-library", lookup)
        assert [d.label for d in verifier.policy.schedule] == ["10s", "1m"]
        without = _hub(tmp_path, "connections:\n  legal-entity-library: {mode: rest}\n")
        assert without.connections.lookup() is None
        assert not [n for n in without.runtime(journal, writer).loops if n.startswith("verify")]
    journal.close()


def test_a_lookup_credential_that_is_not_set_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_LIBRARY_TOKEN", raising=False)
    hub = _hub(tmp_path, LOOKUP)
    journal = Journal.open(hub.settings.resolved_journal_url())
    with JournalWriter(journal) as writer, pytest.raises(ConfigError, match="TEST_LIBRARY_TOKEN"):
        hub.runtime(journal, writer)
    journal.close()


@pytest.mark.parametrize(
    ("lookup", "key"),
    [("{url: 'http://x/{credit_code}', cache_second: 5}", "cache_second"),
     ("{url: 'http://x/{credit_code}', auth: {type: bearer, tokn: 'env:T'}}", "tokn"),
     ("{url: 'http://x/{credit_code}', kind: legal-entity-lookup}", "kind")],
    ids=["misspelt-option", "misspelt-nested-option", "kind-written"],
)
def test_a_misspelt_lookup_key_stops_start_up_naming_file_system_and_key(
    tmp_path: Path, lookup: str, key: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _hub(tmp_path, f"connections:\n  legal-entity-library:\n    lookup: {lookup}\n")
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'connections.yaml'}: legal-entity-library: lookup: ")
    assert key in message


def test_the_lookup_block_is_validated_and_built_through_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text("connections:\n  legal-entity-library: {lookup: {url: 'http://x/{credit_code}'}}\n",
                    encoding="utf-8")
    systems = ["legal-entity-library"]
    with pytest.raises(ConfigError, match="no adapter named 'legal-entity-lookup'"):
        Connections.load(path, systems, AdapterRegistry({}, discover=False))
    not_a_lookup = AdapterRegistry({LOOKUP_KIND: BUILTIN_ADAPTERS["rest-out"]}, discover=False)
    with pytest.raises(ConfigError, match="not a lookup adapter"):
        Connections.load(path, systems, not_a_lookup)
    config = Connections.load(path, systems, AdapterRegistry(discover=False)).lookup()
    assert config is not None
    with pytest.raises(ConfigError, match="not a lookup adapter"):
        build_lookup(not_a_lookup, config, "legal-entity-library")
