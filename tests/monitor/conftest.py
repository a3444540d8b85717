"""Fixtures for the monitoring tests: the journal tests' database fixture, on both databases."""

from tests.journal.conftest import journal_url  # noqa: F401 - re-exported as a fixture here
