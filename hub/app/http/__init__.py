"""The JSON HTTP admin API (``hub admin serve``): :mod:`hub.admin` operations behind tokens.

FastAPI and uvicorn are an optional extra (``pip install ".[admin]"``), so this package imports
nothing itself: ``admin_api`` builds and serves the app, ``auth`` checks tokens, ``models`` are the
request and response bodies, ``error_responses`` maps errors to HTTP answers.
"""

__all__ = ["admin_api", "auth", "error_responses", "models"]
