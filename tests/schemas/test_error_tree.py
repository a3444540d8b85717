"""One error tree: every exception class the project defines sits under HubError, in one branch.

The check imports every module of the project's packages and inspects the exception classes
each one defines. A public class must derive from exactly one of ConfigError, TransientError
and PermanentError (so the runtime knows whether to stop, retry, or quarantine / dead-letter);
a private one (leading underscore) outside the tree must be listed below with its reason.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import pytest

from schemas.contract import errors
from schemas.contract.errors import (
    ConfigError,
    HubError,
    PermanentError,
    TransientError,
)

PACKAGES = ("schemas", "transforms", "routes", "adapters", "hub", "monitor")
BRANCHES = (ConfigError, TransientError, PermanentError)
ROOTS = {HubError, *BRANCHES}

#: Modules that cannot be imported as a library, and why.
NOT_IMPORTABLE = {
    "hub.journal.migrations.env": "Alembic's environment script runs only inside Alembic",
    "hub.information.migrations.env": "Alembic's environment script runs only inside Alembic",
}

#: Private exceptions outside the tree: each never leaves the module that raises it.
PRIVATE_OUTSIDE_THE_TREE = {
    "adapters.db.table_rows._Unusable": "caught in its module and turned into a RecordProblem",
    "transforms.json_body._Unserialisable": "a ValueError caught as such in its module",
    "transforms.mapping_catalogue._DuplicateKey": "a YAMLError from the strict loader, caught "
    "in its module and turned into a MappingFileError",
}


def _modules() -> list[types.ModuleType]:
    found = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        found.append(root)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            # __main__ modules run the command line when imported.
            if info.name.endswith(".__main__") or info.name in NOT_IMPORTABLE:
                continue
            found.append(importlib.import_module(info.name))
    return found


def _exceptions(modules: list[types.ModuleType]) -> list[type[BaseException]]:
    """Exception classes defined (not merely imported) at the top level of ``modules``."""
    return [
        value
        for module in modules
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    ]


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _violations(classes: list[type[BaseException]]) -> list[str]:
    """Why each class that breaks the rule does; empty when all is well."""
    found = []
    for cls in classes:
        if cls in ROOTS:
            continue
        branches = [b.__name__ for b in BRANCHES if issubclass(cls, b)]
        if len(branches) == 1:
            continue
        if not branches and _name(cls) in PRIVATE_OUTSIDE_THE_TREE:
            continue
        if not branches:
            found.append(f"{_name(cls)} is outside the tree (bases: "
                         f"{', '.join(b.__name__ for b in cls.__bases__)})")
        else:
            found.append(f"{_name(cls)} is under {' and '.join(branches)}")
    return found


@pytest.fixture(scope="module")
def project_exceptions() -> list[type[BaseException]]:
    return _exceptions(_modules())


def test_every_exception_the_project_defines_is_in_one_branch_of_the_tree(
    project_exceptions: list[type[BaseException]],
) -> None:
    assert _violations(project_exceptions) == []


def test_the_walk_reaches_every_package_and_the_known_errors(
    project_exceptions: list[type[BaseException]],
) -> None:
    names = {_name(cls) for cls in project_exceptions}
    assert {
        "transforms.transform_errors.MappingFileError",
        "transforms.transform_errors.TransformError",
        "routes.yamlio.FileProblem",
        "adapters.soap.soap11.SoapFault",
        "hub.journal.journal_errors.JournalClosed",
        "monitor.report.ReconciliationError",
        "schemas.record_registry.UnknownRecordType",
    } <= names
    assert set(PRIVATE_OUTSIDE_THE_TREE) <= names, "a listed private exception is gone: unlist it"


def test_a_new_error_on_a_builtin_base_is_caught() -> None:
    # Exactly what the rule is against: a project error that skips the tree.
    module = types.ModuleType("routes.newcomer")
    module.FooError = type("FooError", (ValueError,), {"__module__": module.__name__})  # type: ignore[attr-defined]
    assert _violations(_exceptions([module])) == [
        "routes.newcomer.FooError is outside the tree (bases: ValueError)"
    ]


def test_an_unlisted_private_error_and_a_doubly_classified_one_are_caught() -> None:
    class _Hidden(Exception):
        pass

    class Both(ConfigError, TransientError):
        pass

    assert _violations([_Hidden, Both]) == [
        f"{_name(_Hidden)} is outside the tree (bases: Exception)",
        f"{_name(Both)} is under ConfigError and TransientError",
    ]


def test_the_contract_module_lists_every_public_error(
    project_exceptions: list[type[BaseException]],
) -> None:
    table = errors.__doc__ or ""
    missing = [
        _name(cls)
        for cls in project_exceptions
        if not cls.__name__.startswith("_") and cls.__name__ not in table
    ]
    assert missing == [], "add them to the table in schemas/contract/errors.py"

