"""The legal-entity lookup client against the library simulator (and a misbehaving library)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.legal_entity import (
    LegalEntity,
    LegalEntityLookup,
    LegalEntityLookupConfig,
)
from adapters.registry import AdapterRegistry
from adapters.sdk import (
    ConfigError,
    EntityLookupAdapter,
    PermanentError,
    TransientError,
)
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.ports import free_port
from adapters.simulators.rest_peer import JsonServer, Reply, Request
from tests.adapters.rest.harness import registration

CODE = "91310112MA1GB2002R"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lookup(library: LegalEntityLibrarySimulator, clock: Clock) -> Iterator[LegalEntityLookup]:
    library.emit({**registration(1), "credit_code": CODE, "name": "上海闵行示例物流有限公司"},
                 "enterprise_registration")
    client = LegalEntityLookup(
        LegalEntityLookupConfig.model_validate({**library.lookup_config(), "cache_seconds": 30,
                                                "timeout_seconds": 0.3}),
        clock=clock)
    yield client
    client.close()


def test_a_registered_code_gives_name_authority_and_status(lookup: LegalEntityLookup) -> None:
    assert lookup.lookup(f" {CODE} ") == LegalEntity(
        credit_code=CODE, name="上海闵行示例物流有限公司",
        registration_authority="上海市闵行区市场监督管理局", status="存续")


def test_an_unknown_code_is_none_and_odd_codes_are_sent_safely(
    lookup: LegalEntityLookup, library: LegalEntityLibrarySimulator
) -> None:
    assert lookup.lookup("91350100M000100Y4Z") is None
    assert lookup.lookup("../entities/x?y=1") is None  # quoted into one path segment
    with pytest.raises(ValueError, match="empty"):
        lookup.lookup("  ")


def test_a_deregistration_shows_in_the_status(
    lookup: LegalEntityLookup, library: LegalEntityLibrarySimulator, clock: Clock
) -> None:
    assert lookup.lookup(CODE).status == "存续"  # type: ignore[union-attr]
    library.emit({"event": "deregistration", "credit_code": CODE, "name": "上海闵行示例物流有限公司",
                  "deregistration_date": "2026-12-31"}, "enterprise_registration")
    assert lookup.lookup(CODE).status == "存续"  # type: ignore[union-attr]  # still cached
    clock.now += 31
    assert lookup.lookup(CODE).status == "注销"  # type: ignore[union-attr]


def test_answers_are_cached_briefly_found_or_not(
    lookup: LegalEntityLookup, library: LegalEntityLibrarySimulator, clock: Clock
) -> None:
    before = library.server.requests
    for _ in range(3):
        lookup.lookup(CODE)
        lookup.lookup("91310112087994932F")
    assert library.server.requests - before == 2
    clock.now += 31
    lookup.lookup(CODE)
    assert library.server.requests - before == 3


def test_failures_are_transient_and_never_cached(
    lookup: LegalEntityLookup, library: LegalEntityLibrarySimulator
) -> None:
    with library.server.outage(503), pytest.raises(TransientError, match="503"):
        lookup.lookup(CODE)
    with library.server.slow(0.6), pytest.raises(TransientError, match="Timeout"):
        lookup.lookup(CODE)
    assert lookup.lookup(CODE) is not None


def test_an_unreachable_library_is_transient() -> None:
    client = LegalEntityLookup(LegalEntityLookupConfig(
        url=f"http://127.0.0.1:{free_port()}/entities/{{credit_code}}"))
    with pytest.raises(TransientError, match="ConnectionError"):
        client.lookup(CODE)
    client.close()


def test_refused_credentials_are_permanent(
    library: LegalEntityLibrarySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(library.token_variable, "wrong")
    client = LegalEntityLookup(LegalEntityLookupConfig.model_validate(library.lookup_config()))
    with pytest.raises(PermanentError, match="401"):
        client.lookup(CODE)
    client.close()


@pytest.mark.parametrize("answer", [{"UNISCID": CODE}, ["not", "an", "object"], "text"])
def test_an_answer_without_the_entity_name_is_permanent(answer: Any) -> None:
    server = JsonServer({("GET", "/e/"): lambda request: Reply(200, answer)})
    server.start()
    client = LegalEntityLookup(LegalEntityLookupConfig(url=f"{server.url}/e/{{credit_code}}"))
    try:
        with pytest.raises(PermanentError, match="ENTNAME"):
            client.lookup(CODE)
    finally:
        client.close()
        server.stop()


def test_another_library_layout_is_a_matter_of_configuration() -> None:
    def answer(request: Request) -> Reply:
        return Reply(200, {"code": request.path.rsplit("/", 1)[1], "entName": "某公司",
                           "regOrg": "某局", "state": "在业"})

    server = JsonServer({("GET", "/v2/"): answer})
    server.start()
    client = LegalEntityLookup(LegalEntityLookupConfig(
        url=f"{server.url}/v2/{{credit_code}}", code_field="code", name_field="entName",
        authority_field="regOrg", status_field="state"))
    try:
        assert client.lookup(CODE) == LegalEntity(CODE, "某公司", "某局", "在业")
    finally:
        client.close()
        server.stop()


def test_the_url_must_say_where_the_code_goes() -> None:
    with pytest.raises(ValidationError, match="credit_code"):
        LegalEntityLookupConfig(url="http://library/entities")


def test_it_is_the_registered_lookup_adapter() -> None:
    cls = AdapterRegistry(discover=False).load("legal-entity-lookup")
    assert cls is LegalEntityLookup and issubclass(cls, EntityLookupAdapter)
    assert (cls.kind, cls.direction, cls.mode, cls.Config) == (
        "legal-entity-lookup", "lookup", "rest", LegalEntityLookupConfig)


def test_start_resolves_the_credentials_so_a_missing_one_stops_start_up(
    library: LegalEntityLibrarySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = LegalEntityLookup(LegalEntityLookupConfig.model_validate(library.lookup_config()))
    monkeypatch.delenv(library.token_variable, raising=False)
    with pytest.raises(ConfigError, match=library.token_variable):
        client.start()
    monkeypatch.setenv(library.token_variable, library.token)
    client.start()
    assert library.server.requests == 0, "start asks the library nothing"
    client.stop()
    client.close()


def test_health_says_whether_the_library_answered_the_last_lookup(
    lookup: LegalEntityLookup, library: LegalEntityLibrarySimulator
) -> None:
    assert not lookup.health().ok
    assert lookup.lookup("91350100M000100Y4Z") is None
    assert lookup.health().ok
    with library.server.outage(503), pytest.raises(TransientError):
        lookup.lookup("91310112087994932F")
    assert not lookup.health().ok and "503" in lookup.health().detail
