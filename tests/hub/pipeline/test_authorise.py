"""The authorise stage: a record names only authorities its sender may speak for.

Each record type that names who decided it or supplied its data is tried with the sender's own
values (passes) and another system's (refused, one ``authority.not_sender`` per field, the path
naming the field); relays pass for the types they relay and only those; a sender without credit
codes names no authority code. The catalogue's own checks are at the end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.config.system_catalogue import System, SystemCatalogue
from hub.pipeline.authorise import authorise, authority_problems
from hub.pipeline.forms import Refusal, Standardised, UnderReview
from hub.pipeline.reasons import REASONS
from hub.pipeline.receive import receive
from hub.pipeline.standardise import standardise
from schemas.contract.errors import ConfigError
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import AUTHORITY_NOT_SENDER
from tests.hub.pipeline.test_stages import PILOT, STAMP
from transforms import MappingCatalogue

SAMPLES = Path(__file__).parents[2] / "schemas" / "samples" / "valid"
CATALOGUE = SystemCatalogue.load()
[MARKET] = CATALOGUE.credit_codes("market")
[TAX] = CATALOGUE.credit_codes("tax")


def _sample(record_type: str, **changes: Any) -> dict[str, Any]:
    record = json.loads((SAMPLES / f"{record_type}.json").read_text(encoding="utf-8"))
    return {**record, **changes}


def _problems(source: str, record_type: str, record: dict[str, Any],
              systems: SystemCatalogue = CATALOGUE) -> list[tuple[str, str]]:
    return [(p.code, p.path)
            for p in authority_problems(source, record_type, "1.0", record, systems)]


def test_the_reason_is_registered_as_the_hubs_problem() -> None:
    assert REASONS.lookup(AUTHORITY_NOT_SENDER).kind == "problem"
    assert REASONS.owner(AUTHORITY_NOT_SENDER) == "hub"


# -- each record type that names an authority --------------------------------------------------

CODE_TYPES = ["administrative_licence", "administrative_penalty"]


@pytest.mark.parametrize("record_type", CODE_TYPES)
def test_a_licence_or_penalty_in_the_senders_own_name_passes(record_type: str) -> None:
    record = _sample(record_type, authority_credit_code=MARKET, data_source_credit_code=MARKET)
    assert _problems("market", record_type, record) == []


@pytest.mark.parametrize("record_type", CODE_TYPES)
@pytest.mark.parametrize(
    ("authority", "data_source", "paths"),
    [
        (TAX, MARKET, ["authority_credit_code"]),
        (MARKET, TAX, ["data_source_credit_code"]),
        (TAX, TAX, ["authority_credit_code", "data_source_credit_code"]),
        # An enterprise's code (valid, but nobody's in the catalogue) is no authority either.
        ("91310000132260250X", MARKET, ["authority_credit_code"]),
    ],
    ids=["authority", "data-source", "both", "unknown-code"],
)
def test_a_code_not_the_senders_is_refused_naming_each_field(
    record_type: str, authority: str, data_source: str, paths: list[str]
) -> None:
    record = _sample(record_type, authority_credit_code=authority,
                     data_source_credit_code=data_source)
    assert _problems("market", record_type, record) == [(AUTHORITY_NOT_SENDER, p) for p in paths]


@pytest.mark.parametrize(
    ("record_type", "field", "sender"),
    [
        ("inspection_result", "department", "market"),
        ("discipline_report", "enforcing_department", "commerce"),
        ("supervision_alert", "raised_by", "safety"),
    ],
)
def test_a_system_id_naming_who_acted_must_be_the_sender(
    record_type: str, field: str, sender: str
) -> None:
    own = _sample(record_type, **{field: sender})
    assert _problems(sender, record_type, own) == []
    assert _problems("police", record_type, own) == [(AUTHORITY_NOT_SENDER, field)]


@pytest.mark.parametrize(
    "record_type", ["enterprise_registration", "discipline_measure", "credit_record"]
)
def test_types_that_name_no_authority_by_code_or_id_pass_from_any_known_sender(
    record_type: str,
) -> None:
    assert _problems("police", record_type, _sample(record_type)) == []


def test_every_type_with_an_authority_field_is_covered_above() -> None:
    from schemas import v1

    declared = {t for t, m in v1.MODELS.items()
                if m.AUTHORITY_CODE_PATHS or m.AUTHORITY_SYSTEM_PATHS}
    assert declared == {*CODE_TYPES, "inspection_result", "discipline_report",
                        "supervision_alert"}


# -- relays --------------------------------------------------------------------------------------

def test_the_city_platform_relays_any_authority_in_any_record_type() -> None:
    penalty = _sample("administrative_penalty", authority_credit_code=TAX,
                      data_source_credit_code=TAX)
    assert _problems("city-platform", "administrative_penalty", penalty) == []
    inspection = _sample("inspection_result", department="tax")
    assert _problems("city-platform", "inspection_result", inspection) == []


def test_a_relay_is_a_relay_only_for_the_record_types_it_declares() -> None:
    licence = _sample("administrative_licence", authority_credit_code=TAX,
                      data_source_credit_code=TAX)
    assert _problems("service-hall", "administrative_licence", licence) == []
    # The credit platform relays credit records, not penalties in tax's name.
    penalty = _sample("administrative_penalty", authority_credit_code=TAX,
                      data_source_credit_code=TAX)
    assert _problems("credit-platform", "administrative_penalty", penalty) == [
        (AUTHORITY_NOT_SENDER, "authority_credit_code"),
        (AUTHORITY_NOT_SENDER, "data_source_credit_code"),
    ]
    # market relays alerts recorded on its platform for other departments, not inspections.
    assert _problems("market", "supervision_alert",
                     _sample("supervision_alert", raised_by="police")) == []
    assert _problems("market", "inspection_result",
                     _sample("inspection_result", department="police")) == [
        (AUTHORITY_NOT_SENDER, "department")]


def test_a_sender_without_credit_codes_may_name_no_authority_code() -> None:
    systems = SystemCatalogue([System(id="market", kind="department", name="m", name_en="m")])
    record = _sample("administrative_licence", authority_credit_code=MARKET,
                     data_source_credit_code=MARKET)
    [first, _] = authority_problems("market", "administrative_licence", "1.0", record, systems)
    assert first.path == "authority_credit_code"
    assert "declares no credit code for market" in first.message


# -- the stage and the processor -------------------------------------------------------------------

def _form(source: str, record: dict[str, Any]) -> Standardised | UnderReview | Refusal:
    body = json.dumps(record, ensure_ascii=False).encode()
    message = InboundMessage(body=body, routing_key=f"{source}.administrative_licence",
                             content_type="application/json")
    return standardise(receive(message, STAMP), STAMP, MappingCatalogue.load(None), {PILOT})


def test_the_stage_passes_the_form_on_unchanged_or_refuses_it_with_repairs_and_filing_code() -> None:
    own = _form("market", _sample("administrative_licence", authority_credit_code=MARKET,
                                  data_source_credit_code=MARKET))
    assert isinstance(own, Standardised) and authorise(own, CATALOGUE) is own
    # A full-width copy of the sender's own code is repaired first, so it passes.
    wide = MARKET.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    repaired = _form("market", _sample("administrative_licence", authority_credit_code=wide,
                                       data_source_credit_code=MARKET))
    assert isinstance(repaired, Standardised) and authorise(repaired, CATALOGUE) is repaired
    foreign = _form("market", _sample("administrative_licence", authority_credit_code=wide,
                                      data_source_credit_code=TAX))
    assert isinstance(foreign, Standardised)
    refused = authorise(foreign, CATALOGUE)
    assert isinstance(refused, Refusal)
    assert [(p.code, p.path) for p in refused.problems] == [
        (AUTHORITY_NOT_SENDER, "data_source_credit_code")]
    assert refused.repairs == foreign.repairs and refused.repairs
    assert refused.credit_code == foreign.credit_code == "91310112087994932F"


def test_a_record_under_review_in_another_authoritys_name_is_refused_not_parked() -> None:
    sample = _sample("administrative_licence", authority_credit_code=TAX,
                     data_source_credit_code=MARKET)
    review = _form("market", {**sample, "party": {**sample["party"], "credit_code": PILOT}})
    assert isinstance(review, UnderReview)
    refused = authorise(review, CATALOGUE)
    assert isinstance(refused, Refusal)
    assert [p.code for p in refused.problems] == [AUTHORITY_NOT_SENDER]


def test_the_processor_quarantines_it_and_tells_the_sender_before_any_route() -> None:
    processor = Hub(load_settings(broker_url="memory://")).processor()
    record = _sample("administrative_penalty", authority_credit_code=TAX,
                     data_source_credit_code=TAX)
    message = InboundMessage(body=json.dumps(record, ensure_ascii=False).encode(),
                             routing_key="market.administrative_penalty",
                             content_type="application/json", message_id="m-1")
    outcome = processor.process(message)
    assert outcome.status == "rejected" and outcome.destinations == ()
    assert [(p.code, p.path) for p in outcome.problems] == [
        (AUTHORITY_NOT_SENDER, "authority_credit_code"),
        (AUTHORITY_NOT_SENDER, "data_source_credit_code")]
    assert sorted(o.routing_key for o in outcome.outputs) == ["market", "quarantine"]


# -- the catalogue -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"credit_codes": ["11310112002985683Z"]}, "fails the GB 32100 check"),
        ({"credit_codes": [MARKET, MARKET]}, "listed twice"),
        ({"relays": ["parking_ticket"]}, "parking_ticket"),
    ],
    ids=["bad-code", "twice", "unknown-type"],
)
def test_a_bad_catalogue_entry_stops_start_up(tmp_path: Path, entry: dict[str, Any],
                                              message: str) -> None:
    path = tmp_path / "systems.yaml"
    system = {"id": "market", "kind": "department", "name": "m", "name_en": "m", **entry}
    path.write_text(json.dumps({"systems": [system]}), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        SystemCatalogue.load(path)


def test_two_systems_may_not_share_a_credit_code() -> None:
    with pytest.raises(ConfigError, match="declared by both 'market' and 'tax'"):
        SystemCatalogue([
            System(id="market", kind="department", name="m", name_en="m", credit_codes=(MARKET,)),
            System(id="tax", kind="department", name="t", name_en="t", credit_codes=(MARKET,)),
        ])
