"""The adapter SDK: everything an adapter author imports.

    from adapters.sdk import InboundAdapter, InboundRecord, AdapterConfig, Health, ...

See ``docs/adapters.md`` for the guide. The core (``hub.hosting.adapter_host``) provides the
:class:`InboundPort` and drives the lifecycle; adapters never import the broker, the journal
or metrics. The core in turn reaches adapters only through the registry and this SDK: the
ports of :mod:`adapters.sdk.ports` (:class:`EntityLookup`) are what it holds of a lookup.
"""

from adapters.sdk.adapter_errors import (
    ADAPTER_REASON_CODES,
    ConfigError,
    PermanentError,
    RecordProblem,
    TransientError,
    unreadable_json,
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
    Direction,
    Health,
    InboundAdapter,
    InboundPort,
    InboundRecord,
    Mode,
    OutboundAdapter,
    PollingInboundAdapter,
)
from adapters.sdk.ports import (
    EntityLookup,
    EntityLookupAdapter,
    LegalEntity,
    RecordsLookup,
    RecordsLookupAdapter,
)
from adapters.sdk.regular_files import (
    PRIVATE,
    FileMode,
    NotRegularFile,
    file_mode,
    lstat_regular,
    open_regular,
    write_private,
)

__all__ = [
    "ADAPTER_REASON_CODES",
    "MASK",
    "MODES",
    "PRIVATE",
    "Adapter",
    "AdapterConfig",
    "Checkpoints",
    "ConfigError",
    "Direction",
    "EntityLookup",
    "EntityLookupAdapter",
    "FileMode",
    "Health",
    "InboundAdapter",
    "InboundPort",
    "InboundRecord",
    "LegalEntity",
    "Mode",
    "NotRegularFile",
    "OutboundAdapter",
    "OutboundConfig",
    "PermanentError",
    "PollingInboundAdapter",
    "RecordProblem",
    "RecordsLookup",
    "RecordsLookupAdapter",
    "SecretRef",
    "TransientError",
    "file_mode",
    "lstat_regular",
    "mask_url",
    "masked",
    "open_regular",
    "resolve_secret",
    "unreadable_json",
    "write_private",
]
