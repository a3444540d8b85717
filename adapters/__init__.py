"""Adapters connect external systems to the hub; they are found through :mod:`adapters.registry`.

Built-in adapters are listed by name in the registry's table; third-party packages register
theirs in the ``supervision_hub.adapters`` entry-point group of their own ``setup.py``::

    entry_points={"supervision_hub.adapters": ["my-system = my_package.adapter:MySystemAdapter"]}
"""
