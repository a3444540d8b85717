"""Fixtures for the information service: a supervision database on SQLite and on the real
PostgreSQL, and envelopes built from the standard's valid samples."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.crypto.key_files import ensure_keyring
from hub.crypto.keyring import KeyringSource
from hub.information import SupervisionStore
from hub.journal.protection import standard_personal_paths
from schemas.contract.envelope import Envelope, fingerprints
from schemas.validation import validate_record
from tests.journal.conftest import BACKENDS, fresh_postgres_database

SAMPLES = Path(__file__).parents[1] / "schemas" / "samples" / "valid"
#: When the first envelope of a test was received; later ones follow a minute apart.
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def sample(record_type: str) -> dict[str, Any]:
    """A fresh copy of the standard's valid sample of ``record_type``."""
    loaded = json.loads((SAMPLES / f"{record_type}.json").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return copy.deepcopy(loaded)


class Envelopes:
    """Builds envelopes as the pipeline would: the payload validated and normalised, the
    content hash over it, each received a minute after the last."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, record_type: str, payload: dict[str, Any], *, source: str = "market",
                 received_at: datetime | None = None) -> Envelope:
        verdict = validate_record(record_type, payload)
        assert verdict.record is not None, verdict.problems
        self.count += 1
        content_hash, digest = fingerprints(source, record_type, verdict.record)
        message_id = str(uuid.uuid4())
        return Envelope(
            message_id=message_id, correlation_id=message_id, source=source,
            record_type=record_type, schema_version="1.0",
            received_at=received_at or T0 + timedelta(minutes=self.count),
            content_hash=content_hash, credit_code=verdict.credit_code, payload=verdict.record,
            payload_digest=digest,
        )


@pytest.fixture
def envelopes() -> Envelopes:
    return Envelopes()


@pytest.fixture
def keyring(tmp_path: Path) -> KeyringSource:
    path = tmp_path / "keys" / "keyring.yaml"
    ensure_keyring(path, path.parent)
    return KeyringSource(path, recheck=0.0)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'supervision.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def open_store(store_url: str, keyring: KeyringSource
               ) -> Iterator[Callable[[], SupervisionStore]]:
    """Open (more) stores on the test's database; all are closed afterwards."""
    opened: list[SupervisionStore] = []

    def open_() -> SupervisionStore:
        store = SupervisionStore.open(store_url, keyring, standard_personal_paths)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], SupervisionStore]) -> SupervisionStore:
    return open_store()


#: The credit code of the entity the samples are filed under.
ENTITY = "91310112087994932F"
#: The ID number of the natural person in the penalty sample.
PERSON_ID = "310112199001011234"
#: The doors' callers: the service hall (profiles, checks, name searches; licences trimmed to
#: four fields) and a personal-information officer (ID-number searches), tokens by reference.
HALL_TOKEN = "hall-token-0123456789abcdef"
OFFICER_TOKEN = "officer-token-0123456789abcdef"
POLICY: dict[str, Any] = {
    "callers": [
        {"id": "service-hall", "token": "env:TEST_INFO_HALL",
         "purposes": ["行政审批"], "operations": ["profile", "discipline_check", "search_by_name"],
         "record_types": ["administrative_licence", "discipline_measure"],
         "fields": {"administrative_licence": ["party.name", "licence_number", "valid_to"]},
         "personal": "published", "acts_for": ["commerce"]},
        {"id": "pi-officer", "token": "env:TEST_INFO_OFFICER", "purposes": ["个人信息核查"],
         "operations": ["search_by_person"], "record_types": ["administrative_penalty"],
         "personal": "whole"},
    ]
}


def hub_with_samples(data_dir: Path, broker_url: str) -> Hub:
    """A hub on ``broker_url`` whose supervision database holds the samples of a licence, a
    measure, an inspection and a natural person's penalty."""
    built = Hub(load_settings(data_dir=data_dir, broker_url=broker_url))
    store = built.open_supervision_store()
    envelopes = Envelopes()
    try:
        for record_type in ("administrative_licence", "discipline_measure",
                            "administrative_penalty", "inspection_result"):
            store.land(envelopes(record_type, sample(record_type)))
    finally:
        store.close()
    return built
