"""The hub's one error tree, split by what the runtime does with each error.

- :class:`ConfigError` stops start-up with a clear message (exit code 2 from the CLI).
- :class:`TransientError` is retried with backoff: the broker is away, a confirm timed out.
- :class:`PermanentError` is never retried: the message goes to quarantine or a dead-letter
  queue with its reason and original body.

Raise with ``from e`` so the original cause stays in the log.
"""

from __future__ import annotations


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    """The configuration, a route file, a mapping or the systems catalogue is wrong."""


class TransientError(HubError):
    """A failure that may succeed if tried again later."""


class BrokerUnavailable(TransientError):
    """The message broker cannot be reached or dropped the connection."""


class PublishNotConfirmed(TransientError):
    """The broker refused (nacked), returned or did not confirm a published message in time."""


class PermanentError(HubError):
    """A failure that will not go away by retrying the same message."""
