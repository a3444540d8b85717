"""The adapter SDK: everything an adapter author imports.

    from adapters.sdk import InboundAdapter, InboundRecord, AdapterConfig, Health, ...

See ``docs/adapters.md`` for the guide. The core (``hub.hosting.adapter_host``) provides the
:class:`InboundPort` and drives the lifecycle; adapters never import the broker, the journal
or metrics.
"""

from adapters.sdk.adapter_errors import (
    ADAPTER_REASON_CODES,
    ConfigError,
    PermanentError,
    RecordProblem,
    TransientError,
)
from adapters.sdk.config import (
    MASK,
    AdapterConfig,
    OutboundConfig,
    SecretRef,
    mask_url,
    masked,
    resolve_secret,
)
from adapters.sdk.lifecycle import (
    MODES,
    Adapter,
    Checkpoints,
    Health,
    InboundAdapter,
    InboundPort,
    InboundRecord,
    Mode,
    OutboundAdapter,
    PollingInboundAdapter,
)

__all__ = [
    "ADAPTER_REASON_CODES",
    "MASK",
    "MODES",
    "Adapter",
    "AdapterConfig",
    "Checkpoints",
    "ConfigError",
    "Health",
    "InboundAdapter",
    "InboundPort",
    "InboundRecord",
    "Mode",
    "OutboundAdapter",
    "OutboundConfig",
    "PermanentError",
    "PollingInboundAdapter",
    "RecordProblem",
    "SecretRef",
    "TransientError",
    "mask_url",
    "masked",
    "resolve_secret",
]
