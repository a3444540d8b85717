"""Adapter lookup by name: built-ins from a name -> "module:Class" table, others from entry points.

Classes are imported only when asked for, so a broken third-party adapter cannot stop the hub
from starting unless it is configured. A misspelt name gets a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points

from schemas.contract.errors import ConfigError

ENTRY_POINT_GROUP = "supervision_hub.adapters"

#: Built-in adapters, name -> "module:Class".
BUILTIN_ADAPTERS: Mapping[str, str] = {
    "soap-call": "adapters.soap.call:SoapCallAdapter",
    "soap-serve": "adapters.soap.serve:SoapServeAdapter",
    "rest-pull": "adapters.rest.pull:RestPullAdapter",
    "rest-push": "adapters.rest.push:RestPushAdapter",
    "rest-out": "adapters.rest.outbound:RestOutAdapter",
    "legal-entity-feed": "adapters.legal_entity.feed:LegalEntityFeedAdapter",
    "legal-entity-lookup": "adapters.legal_entity.lookup:LegalEntityLookup",
    "records-lookup": "adapters.rest.records_lookup:RecordsLookupClient",
    "db-poll": "adapters.db.poll:DbPollAdapter",
    "db-write": "adapters.db.write:DbWriteAdapter",
    "file-drop": "adapters.file.drop:FileDropAdapter",
    "file-export": "adapters.file.export:FileExportAdapter",
    "amqp-direct": "adapters.amqp.direct:AmqpDirectAdapter",
}


class AdapterRegistry:
    """Resolves adapter names to classes. Create it empty for tests: ``AdapterRegistry({})``."""

    def __init__(self, table: Mapping[str, str] | None = None, *, discover: bool = True) -> None:
        self._table = dict(BUILTIN_ADAPTERS if table is None else table)
        if discover:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                self._table.setdefault(ep.name, ep.value)

    def names(self) -> list[str]:
        return sorted(self._table)

    def target(self, name: str) -> str:
        """The ``module:Class`` reference for ``name``; :class:`ConfigError` if unknown."""
        try:
            return self._table[name]
        except KeyError:
            suggestion = difflib.get_close_matches(name, self._table, n=1)
            hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
            raise ConfigError(f"no adapter named {name!r}{hint}") from None

    def load(self, name: str) -> type:
        """Import and return the adapter class registered as ``name``."""
        module_name, _, class_name = self.target(name).partition(":")
        try:
            module = importlib.import_module(module_name)
            adapter: type = getattr(module, class_name)
            return adapter
        except (ImportError, AttributeError) as e:
            raise ConfigError(f"adapter {name!r} ({self.target(name)}) cannot be loaded: {e}") from e
