"""What a hub process is configured with: settings, the systems catalogue, durations and
retry schedules. Validated when loaded; a mistake is a :class:`~schemas.contract.errors.ConfigError`.
"""

from hub.config.durations import parse_duration
from hub.config.retry_schedule import Delay, parse_schedule
from hub.config.settings import HubSettings, load_settings
from hub.config.system_catalogue import SHIPPED_CATALOGUE, SystemCatalogue

__all__ = [
    "SHIPPED_CATALOGUE",
    "Delay",
    "HubSettings",
    "SystemCatalogue",
    "load_settings",
    "parse_duration",
    "parse_schedule",
]
