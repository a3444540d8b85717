"""The shipped configuration of the 23 district departments (``adapters/departments.yaml``).

Most checks read the YAML as data and run now. Loading it through ``Connections.load`` needs
every adapter module the file names; while one is not written yet those tests skip, naming the
missing modules, and they run by themselves once the modules exist.

"Agrees with the routes" means, for each department D (the routes are stateless and field
predicates are not evaluated, so this is about which record types can reach D at all):
- every type D subscribes to can be sent to D by some route: a static ``to`` naming D, the
  dual-notification resolver with D in the approval list, the credit-subscribers resolver with D
  in the subscription list, or the ``field`` resolver (the record names its destination, so any
  department may receive it); ``feedback`` is sent back to every source, so D subscribes to it
  exactly when it provides something;
- D subscribes to every type a static route or a resolver's data file sends to D for certain
  (types a ``field`` resolver routes are D's own declaration, except discipline_measure below);
- every type D provides is taken by some route from D (else it would be refused as
  route.no_match), and never ``feedback`` (the hub's own);
- joint discipline: every department may be named an enforcer, so each subscribes to
  discipline_measure and provides discipline_report (what it did).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import schemas
from adapters.registry import BUILTIN_ADAPTERS
from adapters.sdk import MODES
from hub.config.system_catalogue import SHIPPED_CATALOGUE, SystemCatalogue
from hub.hosting.connections import Connections
from routes.approvals import load_approvals
from routes.loader import SHIPPED_DATA, parse_files
from routes.model import Rule
from routes.subscriptions import load_subscriptions

SHIPPED = Path(__file__).parents[2] / "adapters" / "departments.yaml"
ENTRIES: dict[str, dict[str, Any]] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))[
    "connections"]
CATALOGUE = SystemCatalogue.load()
FEEDBACK = "feedback"
ANY = "*"  # a route that can send a type to any system
#: Option names that hold credentials, wherever they appear in an adapter entry.
CREDENTIAL_KEY = re.compile(r"password|token|secret|credential|management_user|callers")
ENV_REFERENCE = re.compile(r"^env:[A-Z][A-Z0-9_]*$")


def _adapters(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [*entry.get("inbound", []), *([entry["outbound"]] if entry.get("outbound") else [])]


def _missing(module: str) -> bool:
    """Whether ``module`` (or a package above it) does not exist; other import errors raise."""
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return True
        raise


def _require_adapter_modules(entries: dict[str, dict[str, Any]]) -> None:
    kinds = {a["kind"] for entry in entries.values() for a in _adapters(entry)}
    modules = sorted({BUILTIN_ADAPTERS[kind].partition(":")[0] for kind in kinds})
    missing = [m for m in modules if _missing(m)]
    if missing:
        pytest.skip(f"adapter module(s) not written yet: {', '.join(missing)}; "
                    "this test runs once they exist")


@functools.cache
def _rules() -> tuple[Rule, ...]:
    parsed = parse_files(None)
    assert not parsed.issues, parsed.issues
    return tuple(sourced.rule for sourced in parsed.rules)


def _receivers() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per record type: systems some route may send it to, and systems it goes to for certain."""
    approvers = {d for a in load_approvals(SHIPPED_DATA).approvals for d in a.departments}
    subscribers = {s.system for s in load_subscriptions(SHIPPED_DATA).subscribers}
    possible: dict[str, set[str]] = defaultdict(set)
    certain: dict[str, set[str]] = defaultdict(set)
    for rule in _rules():
        if rule.to is not None:
            targets, sure = set(rule.to), True
        elif rule.resolver == "dual_notification":
            targets, sure = approvers, True
        elif rule.resolver == "credit_subscribers":
            targets, sure = subscribers, True
        elif rule.resolver == "field":
            targets, sure = {ANY}, False
        else:
            raise AssertionError(f"route {rule.id}: resolver {rule.resolver!r} is new here; "
                                 "say which systems it can reach")
        for record_type in rule.match.record_types:
            possible[record_type] |= targets
            if sure:
                certain[record_type] |= targets
    return possible, certain


def _accepted_from(source: str, record_type: str) -> bool:
    return any(record_type in rule.match.record_types
               and (rule.match.sources is None or source in rule.match.sources)
               for rule in _rules())


def test_each_of_the_23_departments_of_the_catalogue_has_its_entry() -> None:
    departments = {s.id: s for s in CATALOGUE.departments()}
    assert len(departments) == 23
    assert sorted(ENTRIES) == sorted(departments)
    assert {k: e["name"] for k, e in ENTRIES.items()} == {k: s.name for k, s in departments.items()}


def test_all_five_exchange_modes_are_used_each_by_one_of_the_departments_adapters() -> None:
    assert {e["mode"] for e in ENTRIES.values()} == set(MODES)
    for system, entry in ENTRIES.items():
        # Built-in kinds are named <mode>-<verb>; Connections.load checks the classes' modes.
        modes = {a["kind"].split("-")[0] for a in _adapters(entry)}
        assert entry["mode"] in modes, (system, entry["mode"], modes)


def test_amqp_departments_read_their_queue_themselves_and_the_others_get_an_outbound() -> None:
    for system, entry in ENTRIES.items():
        assert ("outbound" in entry) == (entry["mode"] != "amqp"), system


def test_every_department_has_its_own_credit_codes_in_the_catalogue_only() -> None:
    # The catalogue is the one place the hub keeps a system's codes (the authorise stage holds
    # records to them); this file no longer repeats them.
    codes = {s.id: s.credit_codes for s in CATALOGUE.departments()}
    assert all(codes.values()), [s for s, c in codes.items() if not c]
    faults = {c: schemas.credit_code_fault(c) for own in codes.values() for c in own}
    assert {c: f for c, f in faults.items() if f is not None} == {}
    assert len(faults) == sum(len(own) for own in codes.values())  # none shared
    assert [s for s, entry in ENTRIES.items() if "credit_code" in entry] == []


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")
    elif isinstance(value, str):
        yield path, value


def test_every_credential_is_an_env_reference() -> None:
    credentials: list[tuple[str, str]] = []
    for system, entry in ENTRIES.items():
        for index, adapter in enumerate(_adapters(entry)):
            for path, value in _strings(adapter, f"{system}.{adapter['kind']}#{index}"):
                assert not re.search(r"://[^/@\s]*:[^/@\s]*@", value), f"{path}: password in URL"
                keys = path.split(".")[1:]  # a list item or a map value: its parent names it
                db_url = adapter["kind"].startswith("db-") and keys[-1] == "url"
                if db_url or any(CREDENTIAL_KEY.search(key) for key in keys):
                    credentials.append((path, value))
    assert credentials, "the file names no credential at all"
    assert [(p, v) for p, v in credentials if not ENV_REFERENCE.match(v)] == []


def test_fetching_adapters_cover_exactly_what_the_department_provides() -> None:
    for system, entry in ENTRIES.items():
        typed = [a.get("record_type") for a in entry["inbound"]]
        if all(typed):  # only fetchers: one record type each
            assert sorted(typed) == sorted(entry["provides"]), system


def test_provides_and_subscribes_agree_with_the_routes() -> None:
    possible, certain = _receivers()
    problems: list[str] = []
    for system, entry in ENTRIES.items():
        provides, subscribes = set(entry["provides"]), set(entry["subscribes"])
        for record_type in sorted(subscribes - {FEEDBACK}):
            if not possible[record_type] & {system, ANY}:
                problems.append(f"{system} subscribes to {record_type}, which no route sends it")
        for record_type in sorted(t for t, systems in certain.items() if system in systems):
            if record_type not in subscribes:
                problems.append(f"{system} is sent {record_type} but does not subscribe to it")
        if (FEEDBACK in subscribes) != bool(provides):
            problems.append(f"{system}: feedback comes back for what it provides, and only then")
        if FEEDBACK in provides:
            problems.append(f"{system} provides feedback, which only the hub sends")
        for record_type in sorted(provides - {FEEDBACK}):
            if not _accepted_from(system, record_type):
                problems.append(f"{system} provides {record_type}, which no route takes from it")
        if "discipline_measure" not in subscribes or "discipline_report" not in provides:
            problems.append(f"{system}: every department enforces joint discipline and reports")
    assert problems == []


def test_the_file_loads_against_the_shipped_systems_catalogue() -> None:
    _require_adapter_modules(ENTRIES)
    connections = Connections.load(SHIPPED, CATALOGUE.ids,
                                   credit_codes={s.id: s.credit_codes for s in CATALOGUE})
    assert sorted(c.system for c in connections) == sorted(ENTRIES)
    for connection in connections:
        entry = ENTRIES[connection.system]
        assert connection.mode == entry["mode"]
        assert len(connection.inbound) == len(entry["inbound"])
        assert (connection.outbound is None) == ("outbound" not in entry)


TWENTY_FOURTH_SYSTEM = (
    "  - {id: urban-management, kind: department, number: 24, name: 区城管执法局, "
    "name_en: Urban management enforcement, credit_codes: [11310112002331073Q]}\n"
)
TWENTY_FOURTH_ENTRY = """
  urban-management:
    name: 区城管执法局
    mode: rest
    provides: [administrative_penalty, discipline_report]
    subscribes: [discipline_measure, feedback]
    inbound:
      - &feed {kind: rest-pull, url: "https://cgj.minhang.gov.cn/api/exchange/penalties",
          record_type: administrative_penalty, cursor_field: seq,
          auth: {type: bearer, token: "env:URBAN_MANAGEMENT_API_TOKEN"}}
      - {<<: *feed, url: "https://cgj.minhang.gov.cn/api/exchange/reports", record_type: discipline_report}
    outbound: {kind: rest-out, url: "https://cgj.minhang.gov.cn/api/exchange/inbox", token: "env:URBAN_MANAGEMENT_API_TOKEN"}
"""


def test_a_24th_department_is_a_configuration_change_only(tmp_path: Path) -> None:
    _require_adapter_modules(ENTRIES)
    systems = tmp_path / "systems.yaml"
    shutil.copy(SHIPPED_CATALOGUE, systems)
    with systems.open("a", encoding="utf-8") as out:
        out.write(TWENTY_FOURTH_SYSTEM)
    departments = tmp_path / "departments.yaml"
    departments.write_text(SHIPPED.read_text(encoding="utf-8") + TWENTY_FOURTH_ENTRY,
                           encoding="utf-8")
    catalogue = SystemCatalogue.load(systems)
    connections = Connections.load(departments, catalogue.ids,
                                   credit_codes={s.id: s.credit_codes for s in catalogue})
    assert len(catalogue.departments()) == len(connections) == 24
    assert catalogue.credit_codes("urban-management") == ("11310112002331073Q",)
    added = connections.get("urban-management")
    assert added is not None and added.mode == "rest" and added.outbound is not None
    assert [c.kind for c in added.inbound] == ["rest-pull", "rest-pull"]
