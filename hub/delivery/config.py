"""Which destinations the hub delivers to itself, and how (``deliveries.yaml``).

Systems that read their ``hub.out.<id>`` queue over AMQP are not listed. A listed system gets a
delivery runner in ``hub run``. Example::

    deliveries:
      credit-platform:
        kind: webhook
        url: https://credit.example.gov.cn/api/records
        token_env: CREDIT_PLATFORM_TOKEN
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.delivery.destinations import DestinationConfig
from hub.errors import ConfigError


class DeliveriesFile(BaseModel):
    """The file's shape: destination system id -> how to deliver to it."""

    model_config = ConfigDict(extra="forbid")

    deliveries: dict[str, DestinationConfig] = Field(default_factory=dict)


def load_deliveries(path: Path | None, systems: Collection[str]) -> dict[str, DestinationConfig]:
    """Read and check a deliveries file (None: no hub-side deliveries).

    Raises :class:`ConfigError` naming the file and the key for bad YAML, unknown keys or a
    destination that is not a known system.
    """
    if path is None:
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        deliveries = DeliveriesFile.model_validate(document).deliveries
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read the deliveries file: {e}") from e
    except ValidationError as e:
        raise ConfigError(f"{path}: {e}") from e
    unknown = sorted(set(deliveries) - set(systems))
    if unknown:
        raise ConfigError(f"{path}: unknown destination system(s): {', '.join(unknown)}")
    return deliveries
