"""Hosting adapters: the connections file, the ports the core gives adapters, their lifecycle."""
