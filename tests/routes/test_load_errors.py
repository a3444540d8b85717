"""Every load error stops start-up with a clear message naming the file, the route and the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from routes import RouteConfigError, RouteTable
from schemas.contract.errors import ConfigError

Write = Callable[[str, str], Path]
Load = Callable[..., RouteTable]

GOOD = "routes: [{id: ok, description: d, match: {record_type: credit_record}, to: [market]}]"


def load_error(
    load: Load, *paths: Path, data_dir: Path | None = None
) -> RouteConfigError:
    with pytest.raises(RouteConfigError) as caught:
        load(*paths, data_dir=data_dir)
    return caught.value


def one_route(body: str) -> str:
    return f"routes:\n  - id: r1\n    description: d\n{body}"


def test_route_config_error_is_a_hub_config_error() -> None:
    assert issubclass(RouteConfigError, ConfigError)


def test_bad_yaml_names_the_file(load: Load, write: Write) -> None:
    path = write("broken.yaml", "routes: [unclosed\n")
    error = load_error(load, path)
    assert [i.code for i in error.issues] == ["config.yaml"]
    assert str(path) in str(error) and "not valid YAML" in str(error)


@pytest.mark.parametrize(
    ("text", "says"), [("", "got empty"), ("- a\n- b\n", "got a list")]
)
def test_a_file_that_is_not_a_mapping_is_rejected(
    load: Load, write: Write, text: str, says: str
) -> None:
    error = load_error(load, write("odd.yaml", text))
    assert error.issues[0].code == "config.yaml" and says in error.issues[0].message


def test_a_missing_file_is_reported(load: Load, tmp_path: Path) -> None:
    error = load_error(load, tmp_path / "absent.yaml")
    assert error.issues[0].code == "config.file" and "absent.yaml" in str(error)


def test_an_empty_directory_is_reported(load: Load, tmp_path: Path) -> None:
    assert load_error(load, tmp_path).issues[0].message == "no route files found"


def test_an_unknown_key_names_file_route_and_key(load: Load, write: Write) -> None:
    path = write(
        "typo.yaml",
        one_route(
            "    match: {record_type: credit_record, feilds: {}}\n    to: [market]\n"
        ),
    )
    (issue,) = load_error(load, path).issues
    assert (issue.code, issue.file, issue.route, issue.key) == (
        "config.invalid",
        str(path),
        "r1",
        "match.feilds",
    )
    assert (
        f"{path}: route 'r1': key match.feilds: Extra inputs are not permitted"
        in str(issue)
    )


def test_an_unknown_predicate_key_names_the_payload_path(
    load: Load, write: Write
) -> None:
    path = write(
        "p.yaml",
        one_route(
            "    match: {record_type: credit_record, fields: {a.b: {equal: x}}}\n    to: [market]\n"
        ),
    )
    assert load_error(load, path).issues[0].key == "match.fields.a.b.equal"


def test_a_route_without_an_id_is_named_by_position(load: Load, write: Write) -> None:
    path = write(
        "noid.yaml",
        f"{GOOD}\n".replace(
            "routes: [",
            "routes: [{description: d, match: {record_type: credit_record}, to: [tax]}, ",
        ),
    )
    (issue,) = load_error(load, path).issues
    assert (issue.route, issue.key) == ("#1", "id")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("    match: {record_type: credit_record}\n", "exactly one of 'to'"),
        (
            "    match: {record_type: credit_record}\n    to: [market]\n    resolver: field\n",
            "exactly one of 'to'",
        ),
        (
            "    match: {record_type: credit_record}\n    to: [market]\n    field: x\n",
            "needs 'resolver: field'",
        ),
        ("    match: {record_type: credit_record}\n    to: []\n", "at least 1 item"),
    ],
)
def test_destinations_must_be_static_or_resolved(
    load: Load, write: Write, body: str, says: str
) -> None:
    (issue,) = load_error(load, write("d.yaml", one_route(body))).issues
    assert (
        issue.code == "config.invalid" and issue.route == "r1" and says in issue.message
    )


def test_duplicate_ids_across_files_are_rejected(load: Load, write: Write) -> None:
    first, second = write("a.yaml", GOOD), write("b.yaml", GOOD)
    (issue,) = load_error(load, first, second).issues
    assert (issue.code, issue.file, issue.route) == (
        "config.duplicate_id",
        str(second),
        "ok",
    )
    assert str(first) in issue.message


@pytest.mark.parametrize(
    ("body", "code", "key", "says"),
    [
        ("    match: {record_type: credit_record}\n    to: [market, markte]\n",
         "config.unknown_destination", "to.1", "unknown destination 'markte' (did you mean 'market'?)"),
        ("    match: {record_type: administrative_license}\n    to: [market]\n",
         "config.unknown_record_type", "match.record_type",
         "unknown record type 'administrative_license' (did you mean 'administrative_licence'?)"),
        ("    match: {record_type: [credit_record, credit]}\n    to: [market]\n",
         "config.unknown_record_type", "match.record_type.1", "unknown record type 'credit'"),
        ("    match: {record_type: credit_record, source: [credit-platfrom]}\n    to: [market]\n",
         "config.unknown_source", "match.source.0", "did you mean 'credit-platform'?"),
        ("    match: {record_type: credit_record}\n    resolver: dual_notifcation\n",
         "config.unknown_resolver", "resolver", "did you mean 'dual_notification'?"),
        ("    match: {record_type: credit_record}\n    resolver: field\n",
         "config.resolver", "field", "needs 'field: <dotted payload path>'"),
        ("    match: {record_type: credit_record}\n    resolver: dual_notification\n    field: x\n",
         "config.resolver", "field", "takes no 'field' option"),
    ],
)  # fmt: skip
def test_unknown_names_are_load_errors_with_a_hint(
    load: Load, write: Write, body: str, code: str, key: str, says: str
) -> None:
    path = write("r.yaml", one_route(body))
    (issue,) = load_error(load, path).issues
    assert (issue.code, issue.file, issue.route, issue.key) == (
        code,
        str(path),
        "r1",
        key,
    )
    assert says in issue.message


def test_claim_is_a_valid_static_destination(load: Load, write: Write) -> None:
    table = load(
        write(
            "c.yaml",
            one_route(
                "    match: {record_type: enterprise_registration}\n    to: [claim]\n"
            ),
        )
    )
    assert table.route("enterprise_registration", "market", {}).destinations == (
        "claim",
    )


def test_all_problems_are_reported_at_once(load: Load, write: Write) -> None:
    bad = write(
        "bad.yaml",
        "routes: [{id: x, description: d, match: {record_type: nope}, to: [nowhere]}]",
    )
    error = load_error(load, bad, write("worse.yaml", "routes: [unclosed"))
    assert {i.code for i in error.issues} == {
        "config.unknown_record_type",
        "config.unknown_destination",
        "config.yaml",
    }


DUAL = one_route(
    "    match: {record_type: enterprise_registration}\n    resolver: dual_notification\n"
)


def test_an_approval_list_naming_an_unknown_department_is_a_load_error(
    load: Load, write: Write, tmp_path: Path
) -> None:
    write(
        "data/post_registration_approvals.yaml",
        """
        status: unconfirmed
        note: test
        approvals:
          - {item: 排污许可, keywords: [排污], departments: [environment, enviroment]}
        """,
    )
    (issue,) = load_error(
        load, write("dual.yaml", DUAL), data_dir=tmp_path / "data"
    ).issues
    assert issue.code == "config.data" and issue.key == "approvals.0.departments.1"
    assert (
        "post_registration_approvals.yaml" in issue.file
        and "needed by route 'r1'" in issue.message
    )


def test_a_malformed_approval_list_is_a_load_error(
    load: Load, write: Write, tmp_path: Path
) -> None:
    write(
        "data/post_registration_approvals.yaml",
        "status: unconfirmed\nnote: n\napprovals:\n  - {item: x, keywords: []}\n",
    )
    issues = load_error(
        load, write("dual.yaml", DUAL), data_dir=tmp_path / "data"
    ).issues
    assert {(i.code, i.key) for i in issues} == {
        ("config.data", "approvals.0.keywords"),
        ("config.data", "approvals.0.departments"),
    }


def test_a_missing_data_file_is_a_load_error(
    load: Load, write: Write, tmp_path: Path
) -> None:
    (issue,) = load_error(
        load, write("dual.yaml", DUAL), data_dir=tmp_path / "nodata"
    ).issues
    assert issue.code == "config.data" and "cannot read file" in issue.message


def test_an_example_that_does_not_hold_is_not_a_load_error(
    load: Load, write: Write
) -> None:
    text = (
        GOOD
        + "\nexamples: [{name: wrong, record_type: credit_record, source: tax, payload: {}, expect: {police: [ok]}}]"
    )
    assert load(write("ex.yaml", text)).rule_ids == ("ok",)
