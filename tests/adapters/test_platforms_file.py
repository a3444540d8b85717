"""The shipped connections of the four platforms (``adapters/platforms.yaml``): loaded with the
departments' file as one folder, production endpoints only under ``.invalid`` until confirmed,
credentials only by reference, and the simulated world built from the same entries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.simulators.world import PLATFORMS_FILE, on_loopback
from hub.config.system_catalogue import SystemCatalogue
from hub.hosting.connections import Connections
from schemas.contract.errors import ConfigError

PLATFORMS = ("city-platform", "legal-entity-library", "credit-platform", "service-hall")
ENTRIES: dict[str, dict[str, Any]] = yaml.safe_load(
    PLATFORMS_FILE.read_text(encoding="utf-8"))["connections"]
URL = re.compile(r"https?://([^/:]+)")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_the_folder_loads_the_platforms_beside_the_departments() -> None:
    catalogue = SystemCatalogue.load()
    connections = Connections.load(PLATFORMS_FILE.parent, catalogue.ids,
                                   credit_codes={s.id: s.credit_codes for s in catalogue})
    assert set(PLATFORMS) <= {c.system for c in connections}
    assert len(connections) == 27  # 23 departments and 4 platforms
    assert connections.lookup_of("legal-entity-library") is not None
    assert connections.lookup_of("credit-platform") is not None


def test_a_system_in_two_files_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(PLATFORMS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(PLATFORMS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match="city-platform is also in"):
        Connections.load(tmp_path, SystemCatalogue.load().ids)


def test_unconfirmed_endpoints_cannot_reach_anything_and_credentials_are_references() -> None:
    assert set(ENTRIES) == set(PLATFORMS)
    for system, entry in ENTRIES.items():
        for text in _strings(entry):
            host = URL.match(text)
            assert host is None or host.group(1).endswith(".invalid"), (system, text)
        adapters = [*entry.get("inbound", []), entry.get("outbound") or {}, entry.get("lookup") or {}]
        for adapter in adapters:
            for key in ("password", "token"):
                if key in adapter:
                    assert adapter[key].startswith("env:"), (system, key)
            for token in adapter.get("tokens", []):
                assert token.startswith("env:"), system
            auth = adapter.get("auth") or {}
            assert not auth or auth["token"].startswith("env:"), system


def test_the_world_runs_the_shipped_entries_with_loopback_endpoints() -> None:
    simulated = {"kind": "rest-push", "host": "127.0.0.1", "port": 40000,
                 "tokens": ["env:SIM_TOKEN"], "record_types": ["something else"]}
    entry = on_loopback("service-hall", ENTRIES["service-hall"], {
        "inbound": [simulated],
        "outbound": {"kind": "rest-out", "url": "http://127.0.0.1:40001/in", "token": "env:SIM"},
    })
    [push] = entry["inbound"]
    # Endpoints and credentials from the simulator; everything else as shipped (no TLS on
    # loopback: the simulator gives none).
    assert push == {"kind": "rest-push", "host": "127.0.0.1", "port": 40000,
                    "tokens": ["env:SIM_TOKEN"], "record_types": ["administrative_licence"],
                    "id_field": "decision_document_number"}
    assert entry["outbound"] == {"kind": "rest-out", "url": "http://127.0.0.1:40001/in",
                                 "token": "env:SIM"}
    assert entry["subscribes"] == ENTRIES["service-hall"]["subscribes"]


def test_a_simulator_offering_other_adapters_than_the_file_stops_the_world() -> None:
    with pytest.raises(ValueError, match="platforms.yaml names adapters"):
        on_loopback("service-hall", ENTRIES["service-hall"],
                    {"inbound": [{"kind": "rest-pull", "url": "http://127.0.0.1:1/x"}]})
