"""Runnable stand-ins for the external systems, over their real protocols on loopback.

Each simulator is a :class:`~adapters.simulators.simulator.Simulator`: ``start`` opens its server,
database or folder, ``connection`` says how the hub reaches it (a connections-file entry), and
the test or the demo inspects what it received. ``hub simulate`` starts them all.
"""

# One module per simulated system; the world starts them all.
__all__ = [
    "city_platform",
    "credit_platform",
    "departments",
    "file_dept",
    "front_db",
    "legal_entity_library",
    "ports",
    "rest_peer",
    "rest_system",
    "service_hall",
    "simulator",
    "world",
]
