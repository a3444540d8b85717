"""Administration: dead letters, retry, replay from the journal, trace, timeline, audit.

:class:`hub.admin.operations.AdminOps` is the one implementation; the CLI (``hub/app/cli``) and
the JSON HTTP admin API (:mod:`hub.app.http.admin_api`, ``hub admin serve``) only parse arguments and
print results. Every action that changes anything
needs a reason and writes an audit entry: who, when, what, why, how many.
"""

from hub.admin.dead_letters import DeadLetter
from hub.admin.operations import ActionResult, AdminOps

__all__ = [
    "ActionResult",
    "AdminOps",
    "DeadLetter",
]
