"""``hub validate``: check records, or one credit code, against the unified standard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "record_type", help="Record type; optional for XML whose root names it.")
@click.option("--source", help="Apply this source's agreed mapping (transforms/sources/<id>.yaml).")
@click.option("--credit-code", "credit_code", help="Check one Unified Social Credit Code instead.")
@click.pass_obj
def validate(
    state: CliState,
    files: tuple[Path, ...],
    record_type: str | None,
    source: str | None,
    credit_code: str | None,
) -> None:
    """Print one JSON verdict per input: valid or not, status, reason codes with field paths,
    repairs, and the credit code the record is filed under.

    Exits 0 when every input is valid (or, for records, repaired); 1 when any input is invalid
    or held for review (status "review": a credit code failing only its check character, which
    the legal-entity library must confirm before anything carrying it is delivered).
    """
    if bool(files) == bool(credit_code):
        raise click.UsageError("give record FILES or --credit-code, not both and not neither")
    with exit_codes():
        if credit_code is not None:
            verdicts = [_credit_code_verdict(credit_code)]
        else:
            verdicts = _record_verdicts(state, files, record_type, source)
        for verdict in verdicts:
            echo_json(verdict)
        sys.exit(0 if all(v["valid"] for v in verdicts) else 1)


def _credit_code_verdict(code: str) -> dict[str, Any]:
    """The strict check of ``code`` as the hub applies it to a record, with ``status``:

    - "valid": the code passes GB 32100;
    - "review": its only fault is the check character and it is held for review, with the
      problem ``credit_code.nonconforming`` (on the shipped allow-list) or ``credit_code.suspect``
      (its organisation code is self-consistent): the legal-entity library decides. ``valid``
      is false: nothing has confirmed the code yet;
    - "invalid": any other fault; also says whether the logged repair would fix it.
    """
    import schemas
    from schemas.credit_code import shipped_nonconforming_codes

    fault = schemas.credit_code_fault(code)
    verdict: dict[str, Any] = {"input": code, "valid": fault is None, "status": "valid",
                               "problems": []}
    if fault is None:
        return verdict
    held = schemas.review_reason(code, shipped_nonconforming_codes())
    verdict["status"] = "invalid" if held is None else "review"
    problem = fault if held is None else held
    verdict["problems"].append({"code": problem.code, "path": "", "message": problem.message})
    repaired, repairs = schemas.repair_credit_code(code)
    if repairs and schemas.credit_code_fault(repaired) is None:
        verdict["repairable_to"] = repaired
        verdict["repairs"] = repairs
    return verdict


def _record_verdicts(
    state: CliState, files: tuple[Path, ...], record_type: str | None, source: str | None
) -> list[dict[str, Any]]:
    import schemas
    from hub.app.sender import records_from_file
    from transforms import MappingCatalogue, TransformError, decode_record

    settings = state.settings()
    catalogue = MappingCatalogue.load(settings.mappings_dir) if source else MappingCatalogue.empty()
    verdicts = []
    for path in files:
        for record in records_from_file(path):
            kind = record_type or record.record_type or ""
            verdict: dict[str, Any] = {"input": record.origin, "record_type": kind}
            try:
                data = decode_record(
                    record.body,
                    record.content_type,
                    source=source or "",
                    record_type=kind,
                    list_paths=schemas.list_paths(kind) if kind in schemas.RECORD_TYPES else frozenset(),
                    catalogue=catalogue,
                )
            except TransformError as e:
                verdict.update(valid=False, status="rejected",
                               problems=[{"code": e.code, "path": e.path, "message": e.message}])
                verdicts.append(verdict)
                continue
            result = schemas.validate_record(kind, data)
            verdict.update(
                valid=result.status in ("valid", "repaired"),
                status=result.status,
                credit_code=result.credit_code,
                problems=[{"code": p.code, "path": p.path, "message": p.message} for p in result.problems],
                repairs=[
                    {"code": r.code, "path": r.path, "original": r.original, "repaired": r.repaired}
                    for r in result.repairs
                ],
            )
            verdicts.append(verdict)
    return verdicts
