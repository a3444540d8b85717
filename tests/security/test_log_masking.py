"""No log line carries a person's ID number: the filter ``hub`` puts on every log handler.

Tried on what really logs an input's content: a bug inside the pipeline, whose traceback quotes
the record it failed on. Then the filter alone: message, arguments, traceback, stack.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.app.cli import main
from hub.app.log_masking import MaskPersonalData, mask_personal_data_in_logs
from hub.assembly import Hub
from hub.config.settings import load_settings
from schemas.contract.messages import InboundMessage

ID_NUMBER = "310112199001011234"
MASKED_ID = "310112********1234"
SAMPLES = Path(__file__).parents[1] / "schemas" / "samples" / "valid"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the root logger writes through a handler carrying the filter, as hub's CLI sets."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        mask_personal_data_in_logs(root)
        yield stream
    finally:
        root.removeHandler(handler)


def test_a_pipeline_bug_quoting_the_record_logs_its_id_number_masked(
    logged: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = Hub(load_settings(broker_url="memory://"))
    processor = hub.processor()
    record = json.loads((SAMPLES / "administrative_penalty.json").read_text(encoding="utf-8"))
    [code] = hub.systems.credit_codes("market")
    record.update(authority_credit_code=code, data_source_credit_code=code)

    def broken_route(record_type: str, source: str, payload: dict[str, object]) -> None:
        raise RuntimeError(f"cannot route {payload}")

    monkeypatch.setattr(processor.routes, "route", broken_route)
    body = json.dumps(record, ensure_ascii=False).encode()
    outcome = processor.process(InboundMessage(
        body=body, routing_key="market.administrative_penalty", content_type="application/json"))
    assert outcome.status == "rejected"
    text = logged.getvalue()
    assert "internal error on message" in text and "RuntimeError: cannot route" in text
    assert MASKED_ID in text and ID_NUMBER not in text


def test_the_filter_masks_message_arguments_traceback_and_stack(logged: io.StringIO) -> None:
    log = logging.getLogger("hub.test.masking")
    log.warning("refused %s for %s", ID_NUMBER, "market")
    try:
        raise ValueError(f"id {ID_NUMBER}")
    except ValueError:
        log.exception("while reading")
    log.warning("stack", stack_info=True, extra={"unused": ID_NUMBER})
    text = logged.getvalue()
    assert f"refused {MASKED_ID} for market" in text
    assert f"ValueError: id {MASKED_ID}" in text
    assert ID_NUMBER not in text


def test_the_filter_is_installed_once_per_handler() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("hub.test.once")
    logger.addHandler(handler)
    try:
        mask_personal_data_in_logs(logger)
        mask_personal_data_in_logs(logger)
        assert sum(isinstance(f, MaskPersonalData) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_every_hub_command_puts_the_filter_on_the_root_handlers(tmp_path: Path) -> None:
    handler = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        result = CliRunner().invoke(main, ["--broker-url", "memory://", "keys", "init"],
                                    env={"HUB_DATA_DIR": str(tmp_path)})
        assert result.exit_code == 0, result.output
        assert any(isinstance(f, MaskPersonalData) for f in handler.filters)
    finally:
        root.removeHandler(handler)
