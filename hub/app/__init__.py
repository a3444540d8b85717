"""The application layer: the ``hub`` command line, the admin HTTP server, the demo and the
simulation. It builds a :class:`hub.assembly.Hub` and drives it; nothing below imports it.
"""
