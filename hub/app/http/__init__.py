"""The hub's HTTP APIs on FastAPI: the admin API (``hub admin serve``: :mod:`hub.admin`
operations behind tokens) and the information service's REST and SOAP doors.

The package imports nothing itself, so ``hub --help`` loads no web framework: ``admin_api``
builds and serves the admin app, ``auth`` checks its tokens, ``models`` are its bodies,
``information_api`` and ``information_soap`` are the information service's doors,
``error_responses`` maps errors to HTTP answers, ``serving`` runs an app until a stop signal.
"""

__all__ = ["admin_api", "auth", "error_responses", "information_api", "information_soap",
           "models", "serving"]
