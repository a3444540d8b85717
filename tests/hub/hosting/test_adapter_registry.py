"""The adapter registry: lazy lookup, entry points, helpful errors."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import adapters.registry as registry_module
from adapters.registry import ENTRY_POINT_GROUP, AdapterRegistry
from schemas.contract.errors import ConfigError


def test_a_registered_name_loads_its_class_only_when_asked() -> None:
    registry = AdapterRegistry({"ordered": "collections:OrderedDict"}, discover=False)
    assert registry.names() == ["ordered"]
    from collections import OrderedDict

    assert registry.load("ordered") is OrderedDict


def test_a_misspelt_name_suggests_the_closest_one() -> None:
    registry = AdapterRegistry({"soap": "x:Y", "rest": "x:Z"}, discover=False)
    with pytest.raises(ConfigError, match="did you mean 'soap'"):
        registry.target("sopa")


def test_a_broken_target_is_a_configuration_error_naming_it() -> None:
    registry = AdapterRegistry({"broken": "no_such_module_here:Adapter"}, discover=False)
    with pytest.raises(ConfigError, match="no_such_module_here:Adapter"):
        registry.load("broken")


def test_third_party_adapters_come_from_the_entry_point_group(monkeypatch) -> None:
    seen_groups = []

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        seen_groups.append(group)
        return [EntryPoint("vendor-x", "collections:Counter", group)]

    monkeypatch.setattr(registry_module, "entry_points", fake_entry_points)
    registry = AdapterRegistry({})
    assert seen_groups == [ENTRY_POINT_GROUP]
    from collections import Counter

    assert registry.load("vendor-x") is Counter
