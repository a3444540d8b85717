"""The legal-entity library (法人库): lookups by credit code and its change feed.

- ``legal-entity-lookup`` (:class:`LegalEntityLookup`) verifies and enriches a credit code (name,
  registration authority, status) with a short-lived cache: the SDK's
  :class:`~adapters.sdk.EntityLookup` port, which the review verifier holds.
- ``legal-entity-feed`` (:class:`LegalEntityFeedAdapter`) takes the library's registrations,
  changes and deregistrations as ``enterprise_registration`` records, which feed dual
  notification (双告知).
- :mod:`adapters.legal_entity.layout` describes the library's own record layout.
"""

from adapters.legal_entity.feed import LegalEntityFeedAdapter, LegalEntityFeedConfig
from adapters.legal_entity.lookup import LegalEntityLookup, LegalEntityLookupConfig
from adapters.sdk import LegalEntity

__all__ = [
    "LegalEntity",
    "LegalEntityFeedAdapter",
    "LegalEntityFeedConfig",
    "LegalEntityLookup",
    "LegalEntityLookupConfig",
]
