"""How the journal and the metrics hear what the hub's loops do (see :mod:`hub.observers.fanout`)."""
