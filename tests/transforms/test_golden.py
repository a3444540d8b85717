"""Golden-file cases: every folder under golden/ is one message through `decode_record`.

A case holds ``meta.yaml`` (source, record_type, content_type, list_paths), one ``input.*`` file
and either ``expected.json`` (the decoded record, serialised the way the hub emits JSON, so
decimals appear as strings) or ``expected_error.json`` (``{code, path}``). The shipped mapping
catalogue is used, so these cases also test the shipped source files and stylesheets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from transforms import MappingCatalogue, TransformError, decode_record, encode_record

GOLDEN = Path(__file__).with_name("golden")
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())


@pytest.fixture(scope="module")
def catalogue() -> MappingCatalogue:
    return MappingCatalogue.load()


def _run(case: Path, catalogue: MappingCatalogue) -> tuple[dict, str]:
    meta = yaml.safe_load((case / "meta.yaml").read_text(encoding="utf-8"))
    (input_file,) = case.glob("input.*")
    record = decode_record(
        input_file.read_bytes(),
        meta["content_type"],
        source=meta["source"],
        record_type=meta["record_type"],
        list_paths=frozenset(meta["list_paths"]),
        catalogue=catalogue,
    )
    return record, meta["record_type"]


def test_golden_cases_exist_and_each_expects_exactly_one_outcome() -> None:
    assert len(CASES) >= 30
    for name in CASES:
        outcomes = [
            (GOLDEN / name / f).exists()
            for f in ("expected.json", "expected_error.json")
        ]
        assert outcomes.count(True) == 1, name


@pytest.mark.parametrize("name", CASES)
def test_golden_case_decodes_to_its_expected_record_or_error(
    name: str, catalogue: MappingCatalogue
) -> None:
    case = GOLDEN / name
    expected_file = case / "expected.json"
    if expected_file.exists():
        record, record_type = _run(case, catalogue)
        emitted = json.loads(encode_record(record, record_type, "json"))
        assert emitted == json.loads(expected_file.read_text(encoding="utf-8"))
    else:
        expected = json.loads(
            (case / "expected_error.json").read_text(encoding="utf-8")
        )
        with pytest.raises(TransformError) as caught:
            _run(case, catalogue)
        assert (caught.value.code, caught.value.path) == (
            expected["code"],
            expected["path"],
        )
        assert caught.value.message
