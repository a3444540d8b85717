"""The JSON HTTP admin API (``hub admin serve``): :mod:`hub.admin` operations behind tokens."""
