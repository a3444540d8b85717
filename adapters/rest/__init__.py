"""The ``rest`` exchange mode: HTTP+JSON in (pull, push) and out (POST/PUT)."""

# Import the modules directly (the registry does).
__all__ = [
    "client",
    "json_paths",
    "outbound",
    "pull",
    "pull_config",
    "pull_watermark",
    "push",
    "push_config",
    "webhook",
    "webhook_server",
]
