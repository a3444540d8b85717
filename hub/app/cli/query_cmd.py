"""``hub query``: ask the information service about an entity, as a person at the terminal.

The caller is the operating-system account (:func:`os_account`), the purpose is mandatory, and
every question is written to the audit trail before it is answered. Personal data is masked;
``--unmask --reason`` shows it whole to an account in ``HUB_OFFICERS`` (audited as an unmask
with its reason beside the purpose). Prints one JSON document. Exit codes: 0 answered; 1 a bad question
(the error's code and message as JSON); 2 configuration.
"""

from __future__ import annotations

from datetime import date, datetime

import click
from pydantic import BaseModel

from hub.app.cli.admin_cmds import (
    audit_actor,
    unmask_option,
    unmask_reason_option,
    unmasking,
)
from hub.app.cli.shared import CliState, echo_json, exit_codes


@click.command()
@click.argument("credit_code", required=False)
@click.option("--purpose", required=True,
              help="Why you ask (用途); kept in the audit trail with the question.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
              help="The profile as of this date (default: today).")
@click.option("--department", help="With --licence-item: the department that would grant it.")
@click.option("--licence-item", help="Ask the joint-discipline check instead of the profile: "
              "may --department grant this licence item to the entity?")
@click.option("--name", "name_prefix", help="Find entities whose name starts so (no CREDIT_CODE).")
@unmask_option
@unmask_reason_option
@click.pass_obj
def query(state: CliState, credit_code: str | None, purpose: str, as_of: datetime | None,
          department: str | None, licence_item: str | None, name_prefix: str | None,
          unmask: bool, unmask_reason: str | None) -> None:
    """An entity's profile by CREDIT_CODE (licences in force, penalties, inspections,
    joint-discipline measures, alerts, credit records), the joint-discipline check, or a
    search by name."""
    from hub.information.answers import Visibility
    from hub.information.service import (
        BadQuery,
        Caller,
        InformationService,
        QueryRefused,
    )

    if (credit_code is None) == (name_prefix is None):
        raise click.UsageError("give either a CREDIT_CODE or --name")
    if (department is None) != (licence_item is None):
        raise click.UsageError("--department and --licence-item go together")
    with exit_codes():
        unmasked = unmasking(state, unmask, unmask_reason)
        hub = state.hub()
        journal = hub.open_journal()
        store = hub.open_supervision_store()
        try:
            service = InformationService(store, journal.audit)
            if unmasked is None:
                caller = Caller(audit_actor(None), purpose, Visibility.MASKED)
            else:  # the audit entry keeps why it was unmasked beside the purpose
                caller = Caller(unmasked.actor, f"{purpose} (unmasked: {unmasked.reason})",
                                Visibility.WHOLE)
            day = as_of.date() if as_of else date.today()
            answer: BaseModel
            try:
                if name_prefix is not None:
                    answer = service.search_by_name(caller, name_prefix)
                elif department is not None and licence_item is not None:
                    answer = service.discipline_check(caller, credit_code or "", department,
                                                      licence_item, day)
                else:
                    answer = service.profile(caller, credit_code or "", day)
            except (BadQuery, QueryRefused) as e:
                echo_json({"error": {"code": e.code, "message": str(e)}})
                raise SystemExit(1) from None
        finally:
            store.close()
            journal.close()
    echo_json(answer.model_dump(mode="json"))

