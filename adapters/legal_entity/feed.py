"""``legal-entity-feed``: the legal-entity library's change feed as ``enterprise_registration``.

A thin :class:`~adapters.rest.pull.RestPullAdapter`: the same polling, watermark, paging and
failure handling, with the library's defaults (``SEQ`` as the cursor, ``CHANGE_ID`` as the
source id) and :func:`~adapters.legal_entity.library_mapping.to_registration` turning each change
from the library's layout into the unified record. Registrations and scope changes feed dual
notification (双告知) through the routes like any other ``enterprise_registration``.

Registered separately (not as a ``rest-pull`` configuration) because the layout mapping is
code: the library's scope text has to be split into licensed and general items.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from adapters.legal_entity import layout
from adapters.legal_entity.library_mapping import to_registration
from adapters.rest.pull import RestPullAdapter, RestPullConfig


class LegalEntityFeedConfig(RestPullConfig):
    """Poll the library's change feed (``GET url?since=<SEQ>&limit=<page_size>``)."""

    record_type: Literal["enterprise_registration"] | None = Field(
        default="enterprise_registration",
        description="Always enterprise_registration (the feed carries registration events).",
    )
    cursor_field: str = Field(default=layout.SEQ, description="The feed position of each change.")
    id_field: str | None = Field(
        default=layout.CHANGE_ID, description="The library's id of each change."
    )
    poll_seconds: float = Field(
        default=60.0, gt=0, description="Wait between polls when the feed has nothing new."
    )


class LegalEntityFeedAdapter(RestPullAdapter):
    """Registrations, changes and deregistrations from the library, in the unified standard."""

    kind: ClassVar[str] = "legal-entity-feed"
    Config = LegalEntityFeedConfig
    summary: ClassVar[str] = (
        "Poll the legal-entity library's change feed for enterprise registrations."
    )

    def transform(self, record: dict[str, Any]) -> dict[str, Any]:
        return to_registration(record)
