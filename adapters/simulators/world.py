"""A whole simulated exchange: the four platforms and five departments, one per exchange mode.

``SimulatedWorld(folder, broker_url)`` builds the simulators, starts and stops them together,
and writes the hub's connections file and the environment its credential references need. The
platforms' entries are the shipped ``adapters/platforms.yaml`` with the simulators' loopback
endpoints, credentials and timings substituted (:func:`on_loopback`):

========================  ======  ==============================================
system                    mode    how
========================  ======  ==============================================
city-platform             soap    the hub calls ReceiveRecord; the city calls SubmitRecord
legal-entity-library      rest    change feed pulled by the hub
credit-platform           rest    pushes to the hub's webhook; the hub POSTs to it
service-hall              rest    pushes licensing results; the hub POSTs to it
market                    db      front-end database (SQLite) polled and written
commerce                  file    GBK CSV drop folder; JSON files exported back
construction              rest    pushes to a webhook; the hub POSTs to its inbox
housing                   soap    the city's SOAP contract, both ways
tax                       amqp    publishes itself (its own RabbitMQ user on RabbitMQ)
========================  ======  ==============================================
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from adapters.simulators.city_platform import CityPlatformSimulator, SoapSystemSimulator
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.departments import (
    DEPARTMENT_SENDS,
    DEPARTMENT_TAKES,
    AmqpDepartmentSimulator,
    RestDepartmentSimulator,
)
from adapters.simulators.file_dept import FileDeptSimulator
from adapters.simulators.front_db import FrontDbSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.service_hall import ServiceHallSimulator
from adapters.simulators.simulator import Simulator
from adapters.testing.certificates import CertificateAuthority
from adapters.testing.samples import licence_from

#: The department that sends a licence in each of four modes (tax sends discipline over AMQP).
LICENSING_DEPARTMENTS = {"market": "db", "commerce": "file", "construction": "rest",
                         "housing": "soap"}


@dataclass(frozen=True)
class SampleTraffic:
    """What :meth:`SimulatedWorld.emit_samples` sent: record identity -> sending system, and
    system -> the identities it must end up holding."""

    sent: dict[str, str]
    expected: dict[str, set[str]]


#: The shipped connections of the four platforms, which the world runs on loopback.
PLATFORMS_FILE = Path(__file__).parents[1] / "platforms.yaml"
#: The adapter options a simulator substitutes in a shipped entry: where the platform is, how
#: to prove who one is to it (simulated credentials), and how often to poll it.
LOOPBACK_OPTIONS = frozenset({
    "host", "port", "path", "url", "wsdl", "public_url", "tls", "auth", "token", "tokens",
    "callers", "username", "password", "password_digest", "poll_seconds", "timeout_seconds",
})


def on_loopback(system: str, shipped: dict[str, Any], simulated: dict[str, Any]
                ) -> dict[str, Any]:
    """``system``'s shipped entry with the simulator's :data:`LOOPBACK_OPTIONS` in each adapter
    and lookup (a shipped option of that set the simulator does not give is dropped); every
    other option, and the entry's mode, provides and subscribes, as shipped. ValueError when
    the simulator offers other adapters than the entry names: the file and the simulation
    must not drift apart."""
    def substituted(shipped_adapter: dict[str, Any], simulated_adapter: dict[str, Any]
                    ) -> dict[str, Any]:
        kept = {k: v for k, v in shipped_adapter.items() if k not in LOOPBACK_OPTIONS}
        return kept | {k: v for k, v in simulated_adapter.items() if k in LOOPBACK_OPTIONS}

    def kinds(entry: dict[str, Any]) -> list[str]:
        adapters = [*entry.get("inbound", []), *([entry["outbound"]] if entry.get("outbound") else [])]
        return sorted(adapter["kind"] for adapter in adapters)

    if kinds(shipped) != kinds(simulated) or ("lookup" in shipped) != ("lookup" in simulated):
        raise ValueError(f"{system}: {PLATFORMS_FILE.name} names adapters {kinds(shipped)}"
                         f"{' and a lookup' if 'lookup' in shipped else ''}, its simulator "
                         f"{kinds(simulated)}{' and a lookup' if 'lookup' in simulated else ''}")
    by_kind = {adapter["kind"]: adapter for adapter in simulated.get("inbound", [])}
    entry = dict(shipped)
    entry["inbound"] = [substituted(adapter, by_kind[adapter["kind"]])
                        for adapter in shipped.get("inbound", [])]
    if shipped.get("outbound"):
        entry["outbound"] = substituted(shipped["outbound"], simulated["outbound"])
    if "lookup" in shipped:
        entry["lookup"] = substituted(shipped["lookup"], simulated["lookup"])
    return entry


def identity(envelope: dict[str, Any]) -> str | None:
    """A sample record's own id: its licence number or discipline id."""
    payload = envelope.get("payload") or {}
    found = payload.get("licence_number") or payload.get("discipline_id")
    return str(found) if found is not None else None


class SimulatedWorld:
    """Every simulator, keyed by system id. ``folder`` holds their files and the config."""

    def __init__(self, folder: Path, broker_url: str) -> None:
        self.folder = folder
        self.city = CityPlatformSimulator()
        self.library = LegalEntityLibrarySimulator()
        self.credit = CreditPlatformSimulator()
        self.hall = ServiceHallSimulator()
        self.market = FrontDbSimulator("market", f"sqlite:///{folder / 'market-front.sqlite'}",
                                       poll_seconds=0.5)
        self.commerce = FileDeptSimulator("commerce", folder / "commerce")
        self.construction = RestDepartmentSimulator("construction", "区建设交通委")
        self.housing = SoapSystemSimulator(
            "housing", "区住房保障房屋管理局", provides=list(DEPARTMENT_SENDS),
            subscribes=list(DEPARTMENT_TAKES), env_prefix="HUB_SIM_HOUSING",
        )
        self.tax = AmqpDepartmentSimulator("tax", "区税务分局", broker_url)
        self.simulators: dict[str, Simulator] = {
            s.system: s for s in (
                self.city, self.library, self.credit, self.hall, self.market, self.commerce,
                self.construction, self.housing, self.tax,
            )
        }

    def use_demo_certificate(self) -> Path:
        """Serve the hub's soap-serve for the city over HTTPS with a throwaway certificate
        (made here, for loopback only); the folder of the CA and the certificate."""
        folder = self.folder / "demo-tls"
        ca = CertificateAuthority.create(folder, "supervision-hub demo CA (throwaway)")
        server = ca.issue(folder, "hub-demo", hosts=["127.0.0.1", "localhost"])
        self.city.serve_hub_over_tls(server.tls(), ca.cert)
        return folder

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        started: list[Simulator] = []
        try:
            for simulator in self.simulators.values():
                simulator.start()
                started.append(simulator)
        except BaseException:
            for simulator in reversed(started):
                simulator.stop()
            raise

    def stop(self) -> None:
        for simulator in self.simulators.values():
            simulator.stop()

    def connections(self) -> dict[str, Any]:
        """The connections file's document for the running simulators: the platforms' entries
        of :data:`PLATFORMS_FILE` on loopback (:func:`on_loopback`), the departments' as their
        simulators describe them."""
        shipped = yaml.safe_load(PLATFORMS_FILE.read_text(encoding="utf-8"))["connections"]
        return {"connections": {
            system: (on_loopback(system, shipped[system], s.connection()) if system in shipped
                     else s.connection())
            for system, s in self.simulators.items()}}

    def environment(self) -> dict[str, str]:
        """Every variable the connections' ``env:`` references name (simulated credentials)."""
        variables: dict[str, str] = {}
        for simulator in self.simulators.values():
            variables.update(simulator.environment())
        return variables

    def emit_samples(self, discipline_sample: Mapping[str, Any]) -> SampleTraffic:
        """One record from a department in each mode: a licence from each licensing department
        (to the city and credit platforms) and ``discipline_sample``, a joint-discipline decision,
        from tax over AMQP (to both platforms, the service hall and the departments that enforce
        it), under a new ``discipline_id``."""
        stamp = time.strftime("%H%M%S")
        sent: dict[str, str] = {}
        for department, mode in LICENSING_DEPARTMENTS.items():
            number = f"JY{mode.upper()}{stamp}"
            self.simulators[department].emit(
                {**licence_from(department), "licence_number": number}, "administrative_licence")
            sent[number] = department
        discipline = {**discipline_sample, "discipline_id": f"LHCJ-{stamp}"}
        self.tax.emit(discipline, "discipline_measure")
        sent[discipline["discipline_id"]] = "tax"
        everything = set(sent)
        expected = {"city-platform": everything, "credit-platform": everything}
        for enforcing in (*discipline["enforcing_departments"], "service-hall"):
            expected[enforcing] = {discipline["discipline_id"]}
        return SampleTraffic(sent, expected)

    def holding(self, traffic: SampleTraffic) -> dict[str, set[str]]:
        """For each system of ``traffic.expected``, the expected identities it holds now."""
        return {
            system: wanted & {identity(e) for e in self.simulators[system].received()}
            for system, wanted in traffic.expected.items()
        }

    def write_connections(self) -> Path:
        """Write ``connections.yaml`` into the folder; its path."""
        path = self.folder / "connections.yaml"
        path.write_text(
            yaml.safe_dump(self.connections(), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        return path
