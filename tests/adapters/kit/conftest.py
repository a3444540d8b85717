"""Loads the hub's pytest plugin for these tests when the ``pytest11`` entry point has not (a
checkout installed before the entry point existed); installed, the entry point loads it."""

from __future__ import annotations

import pytest

from adapters.testing import plugin


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(plugin):
        config.pluginmanager.register(plugin, "supervision_hub")
