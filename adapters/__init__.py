"""Adapters connect external systems to the hub; they are found through :mod:`adapters.registry`.

Built-in adapters are listed by name in the registry's table; third-party packages register
theirs in the ``supervision_hub.adapters`` entry-point group of their own ``setup.py``::

    entry_points={"supervision_hub.adapters": ["my-system = my_package.adapter:MySystemAdapter"]}
"""

# Public parts: the SDK and the registry for the core and integrators; built-in adapters are
# loaded by name through the registry, simulators and the test kit serve tests and the demo.
__all__ = [
    "amqp",
    "db",
    "docs",
    "file",
    "legal_entity",
    "registry",
    "rest",
    "sdk",
    "simulators",
    "soap",
    "testing",
]
