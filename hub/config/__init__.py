"""What a hub process is configured with: settings, the systems catalogue, durations and
retry schedules. Validated when loaded; a mistake is a :class:`~schemas.contract.errors.ConfigError`.
"""
