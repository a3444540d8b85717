"""Hosting adapters: the connections file, the ports the core gives adapters, their lifecycle.

- :mod:`hub.hosting.connections`: which adapters reach which system (``HUB_CONNECTIONS_FILE``);
- :mod:`hub.hosting.adapter_host`: the inbound port, the adapter loop, building adapters (and
  the legal-entity lookup) through the registry.
"""

from hub.hosting.adapter_host import (
    ADAPTER_HEADER,
    AdapterLoop,
    BrokerInboundPort,
    build_inbound,
    build_lookup,
    build_outbound,
    build_records_lookup,
    validate_config,
)
from hub.hosting.connections import Connections, SystemConnection

__all__ = [
    "ADAPTER_HEADER",
    "AdapterLoop",
    "BrokerInboundPort",
    "Connections",
    "SystemConnection",
    "build_inbound",
    "build_lookup",
    "build_outbound",
    "build_records_lookup",
    "validate_config",
]
