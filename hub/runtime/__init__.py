"""The runtime: broker sessions, confirmed publishing, the worker and the loops of ``hub run``."""
