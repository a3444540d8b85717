"""The 3-node RabbitMQ cluster of ``rabbitmq-cluster.sh``, started once for the cluster tests
and stopped (its folder deleted) after them. It needs Debian's rabbitmq-server: without it the
tests skip on a laptop and fail under ``CI=true``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI

SCRIPT = Path(__file__).with_name("rabbitmq-cluster.sh")


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its URL list, and the faults a test inflicts on it."""

    folder: Path

    def _script(self, *args: str) -> str:
        result = subprocess.run(
            ["bash", str(SCRIPT), *args], env={"HUB_CLUSTER_DIR": str(self.folder),
                                                "HUB_CLUSTER_PORT": str(PORT),
                                                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            raise AssertionError(f"rabbitmq-cluster.sh {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout.strip()

    @property
    def urls(self) -> str:
        """Every node's URL, ``;``-separated, as ``HUB_BROKER_URL`` takes them."""
        return self._script("urls")

    def node_url(self, node: int) -> str:
        return self.urls.split(";")[node - 1]

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        self._script("stop")

    def kill(self, node: int) -> None:
        """SIGKILL node ``node`` (1..3)."""
        self._script("kill", str(node))

    def revive(self, node: int) -> None:
        """Start a killed node again; it rejoins the cluster."""
        self._script("revive", str(node))

    def leader(self, queue: str) -> int:
        """The node leading quorum queue ``queue`` of the default virtual host."""
        return int(self._script("leader", queue))


#: Outside pytest's private temporary folders, which the nodes' user (rabbitmq) cannot enter.
FOLDER = Path("/tmp/hub-rabbitmq-cluster-tests")
#: Ports of their own (5711-5713), clear of a cluster someone started with the script's default.
PORT = 5711


@pytest.fixture(scope="session")
def rabbitmq_cluster() -> Iterator[Cluster]:
    if not list(Path("/usr/lib/rabbitmq/lib").glob("rabbitmq_server-*/sbin/rabbitmq-server")):
        message = "Debian's rabbitmq-server is needed for the 3-node cluster"
        if IN_CI:
            pytest.fail(f"{message}, and CI=true forbids skipping it")
        pytest.skip(message)
    assert shutil.which("bash")
    cluster = Cluster(FOLDER)
    cluster.stop()  # whatever a run that died left behind
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
