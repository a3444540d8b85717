"""The information service's front desk: one question in, one answer out, the same for every
door (REST, SOAP, AMQP).

A door authenticates its caller in its own protocol (a bearer token, a SOAP header, the
broker-checked AMQP ``user_id``) and hands :meth:`InformationDesk.answer` the caller's
:class:`CallerPolicy` and a :data:`Question`. The desk then, in this order:

1. refuses what the caller's policy does not allow (:class:`QueryRefused`), before anything is
   read: the operation, the purpose (用途), the department of a discipline check, a search by
   ID number without the right to see personal data whole;
2. asks the :class:`InformationService`, which checks the question (:class:`BadQuery`), audits
   it and reads the supervision database; a profile asked ``live`` also gathers what the
   platforms say now, from the sources standing for record types the policy names;
3. leaves out of the answer every record type and field the policy does not name.

Questions are pydantic models with an ``operation`` tag, so a door that receives JSON (AMQP)
validates it into exactly one of them; their bounds are the REST door's parameter bounds.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hub.information.access import CallerPolicy
from hub.information.answers import (
    DisciplineCheck,
    EntityProfile,
    RecordPage,
    SearchPage,
)
from hub.information.live import LiveGatherer
from hub.information.queries import PAGE_LIMIT
from hub.information.service import MAX_TEXT, InformationService

#: Every answer the desk gives.
Answer = EntityProfile | DisciplineCheck | SearchPage | RecordPage

Purpose = Annotated[str, Field(min_length=1, max_length=MAX_TEXT,
                               description="Why the caller asks (用途); one its policy names.")]
CreditCode = Annotated[str, Field(min_length=1, max_length=64,
                                  description="The entity's Unified Social Credit Code.")]


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: Purpose


class ProfileQuestion(_Question):
    """The entity's profile as of a date (default: today); with ``live``, also what the
    platforms say of it now (:mod:`hub.information.live`)."""

    operation: Literal["profile"] = "profile"
    credit_code: CreditCode
    as_of: date | None = None
    live: bool = False


class DisciplineQuestion(_Question):
    """May ``department`` grant ``licence_item`` to the entity on ``on`` (default: today)?"""

    operation: Literal["discipline_check"] = "discipline_check"
    credit_code: CreditCode
    department: str = Field(min_length=1, max_length=64)
    licence_item: str = Field(min_length=1, max_length=MAX_TEXT)
    on: date | None = None


class NameSearch(_Question):
    """Entities whose name starts with ``name``, a page at a time."""

    operation: Literal["search_by_name"] = "search_by_name"
    name: str = Field(min_length=2, max_length=MAX_TEXT)
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=PAGE_LIMIT, ge=1, le=PAGE_LIMIT)


class PersonSearch(_Question):
    """The records naming a person, by ID number (callers entitled to personal data only)."""

    operation: Literal["search_by_person"] = "search_by_person"
    id_number: str = Field(min_length=1, max_length=64)
    offset: int = Field(default=0, ge=0)


Question = Annotated[ProfileQuestion | DisciplineQuestion | NameSearch | PersonSearch,
                     Field(discriminator="operation")]
#: Validates a JSON question (``{"operation": ..., "purpose": ..., ...}``) into its model.
QUESTION = TypeAdapter[Question](Question)


class InformationDesk:
    """Answers the callers of one access policy from one :class:`InformationService`, and
    live questions from ``live`` (None: no platform is connected for live data)."""

    def __init__(self, service: InformationService, live: LiveGatherer | None = None) -> None:
        self.service = service
        self.live = live or LiveGatherer(())

    def answer(self, caller: CallerPolicy, question: Question) -> Answer:
        """The answer to ``question`` as ``caller`` may see it. Raises :class:`QueryRefused`,
        :class:`BadQuery`, or :class:`JournalUnavailable` (the database is down)."""
        who = caller.caller(question.purpose)
        match question:
            case ProfileQuestion():
                caller.check("profile", question.purpose)
                found = caller.trimmed(self.service.profile(
                    who, question.credit_code, question.as_of or date.today()))
                if not question.live:
                    return found
                live = self.live.gather(found.credit_code, caller.record_types)
                return found.model_copy(update={"live": live})
            case DisciplineQuestion():
                caller.check("discipline_check", question.purpose, question.department)
                return self.service.discipline_check(
                    who, question.credit_code, question.department, question.licence_item,
                    question.on or date.today())
            case NameSearch():
                caller.check("search_by_name", question.purpose)
                return self.service.search_by_name(who, question.name, question.offset,
                                                   question.limit)
            case PersonSearch():
                caller.check("search_by_person", question.purpose)
                return caller.trimmed_page(self.service.search_by_person(
                    who, question.id_number, question.offset))


def first_problem(error: ValidationError) -> str:
    """The first problem of a question that does not validate, for the caller, without the
    values it was given (a question may hold an ID number)."""
    problem = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"]) or "the question"
    return f"{where}: {problem['msg']}"
