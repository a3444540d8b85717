"""The exchange contract: what every part of the hub, and every system it exchanges with, agrees on.

The ground layer: it imports nothing else of the project. ``schemas`` (the unified standard),
``transforms``, ``routes`` and the adapter SDK build on it; the runtime and the application sit
above.

- :mod:`schemas.contract.errors`: the one error tree, by what the runtime does with an error;
- :mod:`schemas.contract.problems`: a problem with a record, and the hub's own reason codes;
- :mod:`schemas.contract.reasons`: reason codes as data, and the registry every package adds to;
- :mod:`schemas.contract.states`: the states messages and journal events pass through;
- :mod:`schemas.contract.envelope`: the envelope every outbound message carries;
- :mod:`schemas.contract.messages`: inbound and outbound message values;
- :mod:`schemas.contract.topology`: the names of exchanges, queues and headers.
"""

# Modules, so that importing one part never loads the others.
__all__ = ["envelope", "errors", "messages", "problems", "reasons", "states", "topology"]
