"""The one reason registry: complete (the source emits no unregistered code), one owner per code.

Folds the per-package checks that were in tests/schemas/test_reason_codes.py and
tests/transforms/test_errors.py into one scan of every package against the merged registry.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from adapters.sdk.adapter_errors import ADAPTER_REASONS
from hub.pipeline.reasons import REASONS, build_registry
from routes.reasons import ROUTES_REASONS
from schemas.contract.problems import HUB_REASONS
from schemas.contract.reasons import CODE_FORM, Reason, ReasonRegistry
from schemas.reasons import SCHEMAS_REASONS
from transforms.transform_errors import TRANSFORMS_REASONS

ROOT = Path(__file__).parents[3]
PACKAGES = ("schemas", "transforms", "routes", "adapters", "hub", "monitor")
#: Callables that take a reason code, with the position of the code among their arguments
#: (``code=`` is read whatever the callable).
CODE_ARGUMENT = {
    "Problem": 0, "RecordProblem": 0, "TransformError": 0, "reason_error": 0,
    "PydanticCustomError": 0, "Violation": 0, "Repair": 0, "CreditCodeFault": 0,
    "_rejected": 0, "FileUnusable": 0, "_Unusable": 0, "row_problem": 0, "_refusal": 0,
    "SoapFault": 1, "_dead": 3, "_hand_over": 3,
}
#: Dotted strings that look like codes of a reason family but are not reasons.
NOT_REASONS = {"schemas.conditional"}  # internal carrier of conditional violations
#: Codes of other parties, carried but never emitted by the hub as its reason.
FOREIGN = {"city.refused", "city.unavailable"}  # the city platform's fault codes (simulator)
#: The information service's error codes (docs/information-service.md, "Errors"): answers to a
#: question, which its SOAP door sends as faults, not reasons about a record.
ANSWER_CODES = {"auth.unauthenticated", "journal_unavailable", "validation_error"}
TABLES = {"schemas": SCHEMAS_REASONS, "transforms": TRANSFORMS_REASONS,
          "routes": ROUTES_REASONS, "adapters.sdk": ADAPTER_REASONS, "hub": HUB_REASONS}


def _modules(packages: tuple[str, ...] = PACKAGES) -> Iterator[tuple[str, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def _constants(modules: list[tuple[str, ast.Module]]) -> dict[str, set[str]]:
    """UPPER_CASE module constants holding a code-like string: name -> values (all modules)."""
    found: dict[str, set[str]] = defaultdict(set)
    for _, tree in modules:
        for node in tree.body:
            if (isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str) and CODE_FORM.match(node.value.value)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found[target.id].add(node.value.value)
    return found


def emitted_codes(modules: list[tuple[str, ast.Module]]) -> dict[str, set[str]]:
    """Every reason code passed to a code-taking callable: code -> where (file:line)."""
    constants = _constants(modules)
    codes: dict[str, set[str]] = defaultdict(set)
    for where, tree in modules:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            arguments = [k.value for k in node.keywords if k.arg == "code"]
            position = CODE_ARGUMENT.get(name)
            if position is not None and len(node.args) > position:
                arguments.append(node.args[position])
            for argument in arguments:
                for code in _values(argument, constants):
                    codes[code].add(f"{where}:{node.lineno}")
    return codes


def _values(argument: ast.expr, constants: dict[str, set[str]]) -> set[str]:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return {argument.value}
    name = getattr(argument, "id", getattr(argument, "attr", ""))
    return constants.get(name, set()) if name.isupper() else set()


@pytest.fixture(scope="module")
def modules() -> list[tuple[str, ast.Module]]:
    return list(_modules())


def test_every_code_the_source_can_emit_is_registered(modules: list[tuple[str, ast.Module]]) -> None:
    emitted = emitted_codes(modules)
    assert len(emitted) > 60  # the scan really finds the call sites of every package
    unregistered = {code: sorted(where) for code, where in emitted.items()
                    if code not in REASONS and code not in FOREIGN | NOT_REASONS | ANSWER_CODES}
    assert unregistered == {}


def test_every_code_like_constant_of_a_reason_family_is_registered(
    modules: list[tuple[str, ast.Module]],
) -> None:
    # Catches codes built elsewhere: repair kinds, review notes, codes passed around by name.
    # In the packages below the hub only, and not the family "hub": dotted names of the hub's
    # queues (hub.inbound.dead ...) have the form of codes.
    families = {code.split(".")[0] for code in REASONS.codes()} - {"hub"}
    below_the_hub = [m for m in modules if m[0].split("/")[0] in ("schemas", "transforms", "routes")]
    strings = {node.value for _, tree in below_the_hub for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)
               and CODE_FORM.match(node.value) and node.value.split(".")[0] in families}
    assert strings - NOT_REASONS - REASONS.codes() == set()


def test_the_scan_catches_a_made_up_code_in_routes(tmp_path: Path) -> None:
    source = 'from routes.decision import Problem\nP = Problem("made.up", "", "x")\n'
    tree = ast.parse(source)
    emitted = emitted_codes([("routes/made_up.py", tree)])
    assert "made.up" in emitted and "made.up" not in REASONS
    named = ast.parse('MADE_UP = "made.up"\ndef f(): return Problem(MADE_UP, "", "x")\n')
    assert "made.up" in emitted_codes([("routes/named.py", named)])


def test_each_code_is_owned_by_one_package() -> None:
    for (one, a), (other, b) in combinations(TABLES.items(), 2):
        shared = {r.code for r in a} & {r.code for r in b}
        assert shared == set(), f"{one} and {other} both list {sorted(shared)}"
    assert len(REASONS) == sum(len(t) for t in TABLES.values())
    assert REASONS.owner("route.bad_field") == "routes"
    assert REASONS.owner("xml.doctype_forbidden") == "transforms"
    assert REASONS.owner("body.not_an_object") == "schemas"


def test_the_registry_refuses_a_code_registered_twice_with_another_meaning() -> None:
    registry = ReasonRegistry().merge("a", [Reason("x.y", "one meaning")])
    registry.merge("b", [Reason("x.y", "one meaning")])  # the same reason again: harmless
    with pytest.raises(ValueError, match="'x.y' is registered by a and, with another meaning"):
        registry.merge("b", [Reason("x.y", "another meaning")])
    with pytest.raises(ValueError, match="dotted lower case"):
        Reason("Not.A-Code", "meaning")
    assert registry.lookup("x.y").meaning == "one meaning" and registry.codes() == {"x.y"}


def test_kinds_and_meanings() -> None:
    assert build_registry().codes() == REASONS.codes()
    assert REASONS.codes("repair") == {r.code for r in SCHEMAS_REASONS if r.kind == "repair"}
    assert {"delivery.refused", "publish.refused"} <= REASONS.codes("operational")
    assert all(len(entry.reason.meaning) > 20 for entry in REASONS)


def test_the_contract_codes_are_all_registered() -> None:
    contract = [
        "field.missing", "field.unknown", "field.too_long", "credit_code.length",
        "credit_code.charset", "credit_code.checksum", "credit_code.masked",
        "credit_code.placeholder_not_allowed", "date.format", "amount.precision",
        "enum.unknown", "division.unknown", "industry.format", "xml.malformed",
        "xml.doctype_forbidden", "xml.encoding_mismatch", "json.malformed",
        "body.not_an_object", "mapping.unknown_code", "route.unknown_destination",
        "route.no_match", "credit_code.nonconforming", "credit_code.suspect",
        "credit_code.unverified",
    ]
    assert set(contract) <= REASONS.codes()
    assert REASONS.lookup("credit_code.suspect").kind == "problem"


def test_every_transform_code_is_raised_somewhere(modules: list[tuple[str, ast.Module]]) -> None:
    # A code nothing raises is a stale table entry (kept from tests/transforms/test_errors.py).
    raised = emitted_codes([m for m in modules if m[0].startswith("transforms/")])
    assert {r.code for r in TRANSFORMS_REASONS} - set(raised) == set()


def test_reason_codes_are_dotted_lower_case() -> None:
    assert all(re.fullmatch(CODE_FORM, code) for code in REASONS.codes())
