"""How the journal and the metrics hear what the hub's loops do (see :mod:`hub.observers.fanout`)."""

from hub.observers.fanout import ExchangeObserver, Fanout
from hub.observers.journal_hooks import JournalHooks

__all__ = [
    "ExchangeObserver",
    "Fanout",
    "JournalHooks",
]
