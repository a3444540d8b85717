"""The information service's ground: the supervision database and the queries on it.

- :mod:`~hub.information.filing`: what of each record type is filed, under which business key;
- :mod:`~hub.information.store`: landing records (corrections replace, idempotent by content
  hash, personal fields sealed);
- :mod:`~hub.information.landing`: the store as the ``supervision-db`` destination;
- :mod:`~hub.information.queries`: an entity's profile as of a date, the joint-discipline
  check, search by name and by a person's ID number;
- :mod:`~hub.information.answers`: the answers, one model for every door.
"""

from hub.information.answers import (
    DisciplineCheck,
    EntityProfile,
    RecordPage,
    SearchPage,
    Visibility,
)
from hub.information.filing import FILED_TYPES, NotFiled, filing_of
from hub.information.landing import SUPERVISION_DB, StoreDestination
from hub.information.queries import (
    discipline_check,
    profile,
    search_by_name,
    search_by_person,
)
from hub.information.store import Landing, SupervisionStore

__all__ = [
    "FILED_TYPES", "SUPERVISION_DB", "DisciplineCheck", "EntityProfile", "Landing", "NotFiled",
    "RecordPage", "SearchPage", "StoreDestination", "SupervisionStore", "Visibility",
    "discipline_check", "filing_of", "profile", "search_by_name", "search_by_person",
]
