"""The city platform simulator and the assumed contract it speaks: its connections entry is one
the hub accepts, it calls the hub as the city would, and the WSDL matches the standard."""

from __future__ import annotations

import json
from pathlib import Path

import requests
import yaml
from lxml import etree
from zeep import Client

from adapters.simulators.city_platform import CityPlatformSimulator
from adapters.simulators.simulator import Simulator
from adapters.soap.call import SoapCallConfig
from adapters.soap.contract import CITY_PLATFORM_WSDL
from adapters.soap.serve import SoapServeConfig
from adapters.testing import RecordingPort
from hub.config.system_catalogue import SystemCatalogue
from hub.hosting.connections import Connections
from schemas import RECORD_TYPES
from tests.adapters.soap.conftest import fault_of, licence, serve_adapter, soap_request

WSDL_NS = {"w": "http://schemas.xmlsoap.org/wsdl/", "xs": "http://www.w3.org/2001/XMLSchema"}


def test_the_simulators_entry_is_accepted_by_the_connections_file(
    city: CityPlatformSimulator, tmp_path: Path,
) -> None:
    simulator: Simulator = city
    path = tmp_path / "connections.yaml"
    path.write_text(yaml.safe_dump({"connections": {"city-platform": simulator.connection()}},
                                   allow_unicode=True), encoding="utf-8")
    connection = Connections.load(path, SystemCatalogue.load().ids).get("city-platform")
    assert connection is not None and connection.mode == "soap"
    (inbound,) = connection.inbound
    assert isinstance(inbound, SoapServeConfig) and isinstance(connection.outbound, SoapCallConfig)
    assert all(value.startswith("env:") for value in inbound.callers.values())
    assert connection.outbound.password is not None
    assert connection.outbound.password.startswith("env:")


def test_emit_submits_to_the_hubs_endpoint_as_the_city_would(
    city: CityPlatformSimulator,
) -> None:
    port = RecordingPort("city-platform")
    config = SoapServeConfig.model_validate(city.connection()["inbound"][0])
    adapter = serve_adapter(config, port)
    adapter.start()
    try:
        record = licence("SC10631011200123")
        city.emit(record, "administrative_licence")
        hub_id = city.submit(b"<a/>", "inspection_result", content_type="application/xml",
                             source_message_id="city-xml-1")
    finally:
        adapter.stop()
    first, second = port.submitted
    assert json.loads(first.body) == record and first.headers == {"hub-soap-caller": "city-platform"}
    assert (second.body, second.record_type, hub_id) == (b"<a/>", "inspection_result", "city-xml-1")


def test_the_simulator_refuses_a_caller_without_the_hubs_credentials(
    city: CityPlatformSimulator,
) -> None:
    answer = requests.post(city.url, data=soap_request("<x/>", header=""),
                           headers={"Content-Type": "text/xml"}, timeout=5)
    assert fault_of(answer.content)["code"] == "adapter.unauthorised"
    assert city.received() == [] and city.calls == 0


def test_the_simulator_serves_the_city_service_at_its_own_address(
    city: CityPlatformSimulator,
) -> None:
    client = Client(f"{city.url}?wsdl")
    assert list(client.wsdl.services) == ["CityExchangeService"]
    assert client.service._binding_options["address"] == city.url


def test_the_wsdl_offers_exactly_the_standards_record_types() -> None:
    root = etree.parse(str(CITY_PLATFORM_WSDL)).getroot()
    values = root.xpath("//xs:simpleType[@name='RecordType']//xs:enumeration/@value",
                        namespaces=WSDL_NS)
    assert tuple(values) == RECORD_TYPES


def test_the_wsdl_says_it_is_an_assumed_unconfirmed_contract_with_both_directions() -> None:
    text = CITY_PLATFORM_WSDL.read_text(encoding="utf-8")
    assert "ASSUMED CONTRACT, UNCONFIRMED" in text
    client = Client(str(CITY_PLATFORM_WSDL))
    operations = {name: sorted(port.binding.all()) for name, service in
                  client.wsdl.services.items() for port in service.ports.values()}
    assert operations == {"CityExchangeService": ["ReceiveRecord"],
                          "DistrictExchangeService": ["SubmitRecord"]}


def test_the_packaging_ships_the_wsdl() -> None:
    setup = (Path(__file__).parents[3] / "setup.py").read_text(encoding="utf-8")
    assert '"wsdl/*.wsdl"' in setup, "add wsdl/*.wsdl to the schemas package_data in setup.py"
    assert CITY_PLATFORM_WSDL.is_file()
