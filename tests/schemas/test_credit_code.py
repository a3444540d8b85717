"""The strict credit-code check, the separate repair, the non-conforming allow-list and which
check-character failures are held for review."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.credit_code import (
    ALPHABET,
    PLACEHOLDER,
    WEIGHTS,
    check_character,
    credit_code_fault,
    load_nonconforming_codes,
    organisation_code_consistent,
    repair_credit_code,
    review_reason,
    reviewable,
    shipped_nonconforming_codes,
)

VALID = ["914403001922038216", "91310000132260250X", "91310112087994932F", "913502006120495420"]


def fault_code(value: str, **options: bool) -> str | None:
    fault = credit_code_fault(value, **options)
    return None if fault is None else fault.code


@pytest.mark.parametrize("code", VALID)
def test_real_codes_from_the_reference_pass(code: str) -> None:
    assert credit_code_fault(code) is None


def test_weights_are_powers_of_three_mod_31_as_published() -> None:
    published = "1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28"
    assert WEIGHTS == tuple(int(w) for w in published.split())


def test_alphabet_leaves_out_i_o_s_v_z() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


def test_worked_example_of_the_standard_expects_check_character_3() -> None:
    # The standard's example sums to 1640; 1640 mod 31 = 28, 31 - 28 = 3.
    assert check_character("91350100M000100Y4") == "3"


def test_check_value_31_maps_to_0() -> None:
    assert check_character("91350200612049542") == "0"


def test_worked_example_with_z_is_a_charset_fault() -> None:
    assert fault_code("91350100M000100Y4Z") == "credit_code.charset"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91310112087994932", "credit_code.length"),
        ("91310112087994932FF", "credit_code.length"),
        ("", "credit_code.length"),
        ("91310112087994932f", "credit_code.charset"),
        ("9131011208799493IF", "credit_code.charset"),
        ("913101173245******", "credit_code.masked"),
        ("9131011*", "credit_code.masked"),
        ("91310112087994932E", "credit_code.checksum"),
        ("914403001922038217", "credit_code.checksum"),
    ],
)
def test_each_kind_of_invalid_code_has_its_own_reason(value: str, code: str) -> None:
    assert fault_code(value) == code


def test_checksum_message_names_the_expected_character() -> None:
    fault = credit_code_fault("91310112087994932E")
    assert fault is not None and "'F'" in fault.message


def test_public_check_returns_the_reason_code_or_none() -> None:
    from schemas import check_credit_code

    assert check_credit_code("91310112087994932F") is None
    assert check_credit_code("91310112087994932E") == "credit_code.checksum"
    assert check_credit_code(PLACEHOLDER, allow_placeholder=True) is None


def test_placeholder_is_refused_unless_allowed() -> None:
    assert fault_code(PLACEHOLDER) == "credit_code.placeholder_not_allowed"
    assert credit_code_fault(PLACEHOLDER, allow_placeholder=True) is None


def test_organisation_code_sub_check_is_a_separate_signal() -> None:
    assert all(organisation_code_consistent(code) for code in VALID)
    # Change position 17 (the organisation code's own check character) and fix position 18:
    first17 = "91310112087994933"
    broken = first17 + check_character(first17)
    assert credit_code_fault(broken) is None
    assert not organisation_code_consistent(broken)


# 91310112087994932F with its last character changed: the organisation code still checks.
WRONG_CHECK_CHARACTER = "91310112087994932E"
# 91310112087994932F with a digit of its organisation code changed: both checks fail.
MISTYPED = "91310112087894932F"


@pytest.mark.parametrize(
    ("code", "allowed", "reason"),
    [
        (WRONG_CHECK_CHARACTER, set(), "credit_code.suspect"),
        (WRONG_CHECK_CHARACTER, {WRONG_CHECK_CHARACTER}, "credit_code.nonconforming"),
        (MISTYPED, set(), None),
        (MISTYPED, {MISTYPED}, "credit_code.nonconforming"),
        ("91310112087994932F", set(), None),
        ("91350100M000100Y4Z", {"91350100M000100Y4Z"}, None),
        ("913101173245******", set(), None),
        (PLACEHOLDER, {PLACEHOLDER}, None),
    ],
    ids=["suspect", "allow-listed-suspect", "mistyped", "allow-listed-mistyped", "valid",
         "charset", "masked", "placeholder"],
)
def test_only_a_check_character_failure_with_a_sign_of_a_real_code_is_held_for_review(
    code: str, allowed: set[str], reason: str | None
) -> None:
    held = review_reason(code, allowed)
    assert (None if held is None else held.code) == reason
    assert reviewable(code, allowed) is (reason is not None)
    assert held is None or (code in held.message and "legal-entity library" in held.message)


def test_a_suspect_code_is_one_whose_organisation_code_survived() -> None:
    fault = credit_code_fault(WRONG_CHECK_CHARACTER)
    assert fault is not None and fault.code == "credit_code.checksum"
    assert organisation_code_consistent(WRONG_CHECK_CHARACTER)
    assert not organisation_code_consistent(MISTYPED)


def test_strict_check_does_not_repair() -> None:
    assert fault_code(" 91310112087994932F") == "credit_code.length"
    assert fault_code("９１３１０１１２０８７９９４９３２Ｆ") == "credit_code.charset"


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        ("9131 0112 0879 9493 2F", ["repair.whitespace_removed"]),
        ("91310112087994932F\u00a0", ["repair.whitespace_removed"]),
        ("\u3000913101120879949\u200b32F", ["repair.whitespace_removed"]),
        ("913101-1208799-4932F", ["repair.hyphen_removed"]),
        ("913101－1208799－4932F", ["repair.hyphen_removed"]),
        ("９１３１０１１２０８７９９４９３２Ｆ", ["repair.full_width_to_half_width"]),
        ("91310112087994932f", ["repair.upper_cased"]),
        (
            " ９１３１０１１２-０８７９９４９３２ｆ",
            [
                "repair.whitespace_removed",
                "repair.hyphen_removed",
                "repair.full_width_to_half_width",
                "repair.upper_cased",
            ],
        ),
    ],
)
def test_repair_normalises_and_lists_each_kind(raw: str, kinds: list[str]) -> None:
    assert repair_credit_code(raw) == ("91310112087994932F", kinds)


def test_repair_leaves_a_clean_code_alone() -> None:
    assert repair_credit_code("91310112087994932F") == ("91310112087994932F", [])


def test_repair_does_not_make_an_invalid_code_valid() -> None:
    repaired, _ = repair_credit_code("91310112087994932e")
    assert fault_code(repaired) == "credit_code.checksum"


def test_shipped_allow_list_loads_and_is_empty() -> None:
    assert shipped_nonconforming_codes() == frozenset()


def test_allow_list_file_entries_load_as_codes_or_mappings(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(
        'codes:\n  - "91350100M000100Y45"\n  - {code: "91310112087994932E", note: "x"}\n',
        encoding="utf-8",
    )
    assert load_nonconforming_codes(path) == {"91350100M000100Y45", "91310112087994932E"}


@pytest.mark.parametrize("entry", ['"91310112087994932F"', '"9131"', "{note: no code}"])
def test_allow_list_refuses_entries_that_do_not_belong(tmp_path: Path, entry: str) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(f"codes:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list.yaml"):
        load_nonconforming_codes(path)
