"""Settling records under review with the legal-entity library (法人库).

A record whose credit code fails only the check character, and is on the allow-list of legally
issued non-conforming codes (``credit_code.nonconforming``) or has a self-consistent GB 11714
organisation code (``credit_code.suspect``), goes to ``hub.review`` with feedback ``review``. When the connections file
gives the library a ``lookup`` block, :class:`ReviewVerifier` consumes that queue: a record the
library confirms is routed and delivered, enriched with the registered entities (envelope field
``entities``), with feedback ``accepted``; one it does not confirm is quarantined
(``credit_code.unverified``) with feedback ``rejected``. Without a lookup, records stay in
``hub.review`` for people, as before. The library is reached only through the SDK's
:class:`~adapters.sdk.EntityLookup` port, built by the adapter host.

- :mod:`hub.review.names`: which codes a record asks about, under which names; status words.
- :mod:`hub.review.verification`: the library's verdict on one record.
- :mod:`hub.review.review_outputs`: the messages published for each verdict.
- :mod:`hub.review.verifier`: the consumer loop, with parking while the library is away.
"""

from hub.review.verification import Undecidable, Unverified, Verified, verify
from hub.review.verifier import (
    ReviewOutcome,
    ReviewPolicy,
    ReviewStatus,
    ReviewVerifier,
)

__all__ = [
    "ReviewOutcome",
    "ReviewPolicy",
    "ReviewStatus",
    "ReviewVerifier",
    "Undecidable",
    "Unverified",
    "Verified",
    "verify",
]
