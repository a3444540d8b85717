"""Hub configuration: defaults, then a YAML config file, then ``HUB_*`` environment variables.

The defaults run the whole hub on a laptop with nothing installed: the broker is kombu's
SQLAlchemy transport over a SQLite file under ``data_dir``. Production sets ``HUB_BROKER_URL``
to RabbitMQ (``amqp://user:password@host:5672/vhost``); the code paths are the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from hub.config.durations import parse_duration
from schemas.contract.errors import ConfigError, validation_summary

EMBEDDED_BROKER_FILE = "broker.sqlite"
#: The client library of the pipeline worker's broker connection (see ``broker_client``).
BrokerClient = Literal["auto", "kombu", "pika"]
EMBEDDED_JOURNAL_FILE = "journal.sqlite"
#: The supervision database's file under data_dir when supervision_db_url is unset.
EMBEDDED_SUPERVISION_FILE = "supervision.sqlite"
EMBEDDED_KEYRING_FILE = "keys/keyring.yaml"


class HubSettings(BaseSettings):
    """Everything an operator can set. Unknown keys in a config file are rejected."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid")

    broker_url: SecretStr | None = Field(
        default=None,
        description=(
            "Broker URL. amqp://... for RabbitMQ; unset means the embedded SQLite broker "
            "in data_dir. memory:// runs in one process only (tests). For a RabbitMQ "
            "cluster, the nodes' URLs separated by ';': a process connects to the first that "
            "answers, starting at broker_first_node, and fails over to the next."
        ),
    )
    broker_first_node: int = Field(
        default=0,
        ge=0,
        description="Which URL of a broker_url list this process tries first (counted from 0, "
        "modulo the list's length); hub run --workers N gives each process the next one, so "
        "the processes spread over the cluster's nodes.",
    )
    data_dir: Path = Field(default=Path("var"), description="Where embedded state files live.")
    journal_url: SecretStr | None = Field(
        default=None,
        description=(
            "Message journal database: postgresql+psycopg://user:password@host/db in "
            "production; unset means SQLite in data_dir."
        ),
    )
    supervision_db_url: SecretStr | None = Field(
        default=None,
        description=(
            "Supervision database (the records the information service answers from): "
            "postgresql+psycopg://user:password@host/db in production (it may be the journal's "
            "database: each keeps its own tables and version table); unset means SQLite in "
            "data_dir."
        ),
    )
    journal_retention_days: int = Field(
        default=90, gt=0, description="Journal entries and delivery keys older than this are purged."
    )
    journal_max_deferral_seconds: float = Field(
        default=5.0,
        ge=0,
        description="While the pipeline has a backlog, the journal holds delivery and review "
        "hop records back for up to this long, leaving the CPU to the pipeline; a process "
        "killed meanwhile loses those hop records (never an input's record, which the worker "
        "waits for before it acks). 0: write at once.",
    )
    keyring: Path | None = Field(
        default=None,
        description="The keyring file (hub keys): the keys that seal personal data in the "
        "journal and sign its chains, by reference. Unset: data_dir/keys/keyring.yaml, whose "
        "keys the hub generates on first start (say so in production: share one keyring "
        "among every hub process that opens the same journal).",
    )
    officers: str = Field(
        default="",
        description="Comma-separated OS accounts that may unmask personal data in the CLI's "
        "views (hub trace/timeline/message, hub dead-letters show, with --unmask --reason); "
        "audited. Empty: nobody. The admin API's officers are its tokens with the officer role.",
    )
    journal_checkpoint_rows: int = Field(
        default=1000, gt=0,
        description="The journal's messages chain is signed (SM2) after at most this many new "
        "rows (see journal_checkpoint_seconds).",
    )
    journal_checkpoint_seconds: float = Field(
        default=60.0, gt=0,
        description="The journal's messages chain is signed (SM2) at most this long after a "
        "row was written unsigned (with the next write); whichever of the two comes first.",
    )
    broker_client: BrokerClient = Field(
        default="auto",
        description="The client library of the pipeline worker's connection: auto is pika on "
        "RabbitMQ (less CPU per message: see the README's figures) and kombu on the embedded "
        "broker; kombu on RabbitMQ too if asked. Every other connection of the hub uses kombu.",
    )
    queue_type: Literal["classic", "quorum"] = Field(
        default="classic",
        description="RabbitMQ queue type for every hub queue; quorum for a RabbitMQ cluster.",
    )
    max_message_bytes: int = Field(
        default=1_048_576, gt=0, description="Inbound bodies above this size are quarantined."
    )
    prefetch_count: int = Field(default=256, gt=0, description="Unacked inbound messages per worker.")
    confirm_batch_size: int = Field(
        default=128,
        gt=0,
        description="Inputs processed before the worker waits for their outputs' confirms; "
        "the journal commits a batch while the next is processed when the prefetch is at "
        "least twice this.",
    )
    confirm_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long to wait for publisher confirms of one batch."
    )
    idle_flush_seconds: float = Field(
        default=0.05, gt=0, description="A partial batch is confirmed after this much idle time."
    )
    retry_delay_seconds: float = Field(
        default=30.0, gt=0, description="Delay before an input whose outputs failed is tried again."
    )
    max_attempts: int = Field(
        default=5, gt=0, description="Attempts before an input goes to hub.inbound.dead."
    )
    delivery_limit: int = Field(
        default=10,
        gt=0,
        description="Quorum queues only: redeliveries (e.g. worker crashes) before dead-lettering.",
    )
    delivery_retry_schedule: str = Field(
        default="10s,1m,5m,30m,2h,6h",
        description="Broker-level waits between delivery attempts; then the dead-letter queue.",
    )
    receipts: bool = Field(
        default=False, description="Also send a feedback record (status accepted) for good records."
    )
    connections_file: Path | None = Field(
        default=None,
        description="How the hub reaches each system (inbound and outbound adapters): a "
        "connections file, or a folder whose *.yaml files are read together (the shipped "
        "adapters/departments.yaml and adapters/platforms.yaml); see hub/hosting/connections.py. "
        "Unset: every system exchanges over AMQP itself.",
    )
    systems_file: Path | None = Field(
        default=None, description="Systems catalogue; the shipped schemas/data/systems.yaml when unset."
    )
    route_files: list[Path] | None = Field(
        default=None, description="Route files; the shipped routes/rules/*.yaml when unset."
    )
    mappings_dir: Path | None = Field(
        default=None, description="Source mappings; the shipped transforms/sources when unset."
    )

    metrics_port: int = Field(
        default=9464,
        ge=0,
        le=65535,
        description="Port of /metrics, /healthz and /readyz in hub run; 0 serves none (the "
        "process still records its metrics for the host's endpoint).",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the metrics endpoint listens on."
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Where the host's hub processes keep their metric values; data_dir/metrics "
        "when unset. Processes that share it are scraped as one.",
    )
    source_cadence: str = Field(
        default="1d",
        description="How often a source is expected to send at least one record, unless its "
        "connection says (cadence); longer silence raises an alert.",
    )

    @field_validator("source_cadence")
    @classmethod
    def _cadence_is_a_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("broker_url", "journal_url", "supervision_db_url", mode="before")
    @classmethod
    def _blank_means_embedded(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("broker_url")
    @classmethod
    def _a_list_names_rabbitmq_nodes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            nodes = broker_nodes(value.get_secret_value())
            if len(nodes) > 1 and not all(n.startswith(RABBITMQ_SCHEMES) for n in nodes):
                raise ValueError("a list of broker URLs names RabbitMQ nodes (amqp:// or amqps://)")
        return value

    def resolved_broker_url(self) -> str:
        """The broker URL to connect to, with the embedded default filled in; a list of nodes
        starts at :attr:`broker_first_node` (see :func:`broker_nodes`)."""
        if self.broker_url is not None:
            nodes = broker_nodes(self.broker_url.get_secret_value())
            first = self.broker_first_node % len(nodes)
            return NODE_SEPARATOR.join(nodes[first:] + nodes[:first])
        return f"sqla+sqlite:///{(self.data_dir / EMBEDDED_BROKER_FILE).resolve()}"

    def resolved_journal_url(self) -> str:
        """The journal database URL, with the embedded SQLite default filled in."""
        if self.journal_url is not None:
            return self.journal_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / EMBEDDED_JOURNAL_FILE).resolve()}"

    def resolved_supervision_db_url(self) -> str:
        """The supervision database URL, with the embedded SQLite default filled in."""
        if self.supervision_db_url is not None:
            return self.supervision_db_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / EMBEDDED_SUPERVISION_FILE).resolve()}"

    def officer_accounts(self) -> frozenset[str]:
        """The OS accounts :attr:`officers` names."""
        return frozenset(name.strip() for name in self.officers.split(",") if name.strip())

    def resolved_keyring(self) -> Path:
        """The keyring file, with the embedded default filled in."""
        return (self.keyring or self.data_dir / EMBEDDED_KEYRING_FILE).resolve()

    def resolved_metrics_dir(self) -> Path:
        return (self.metrics_dir or self.data_dir / "metrics").resolve()

    def is_embedded(self) -> bool:
        return not self.resolved_broker_url().startswith(RABBITMQ_SCHEMES)


#: The URL schemes that mean RabbitMQ (every other broker URL is an embedded transport).
RABBITMQ_SCHEMES = ("amqp://", "amqps://", "pyamqp://")

#: What separates the nodes of a cluster in a broker URL (kombu's failover syntax).
NODE_SEPARATOR = ";"


def broker_nodes(url: str) -> list[str]:
    """The node URLs of a broker URL: one, or several separated by ``;`` (blanks dropped)."""
    nodes = [node.strip() for node in url.split(NODE_SEPARATOR) if node.strip()]
    if not nodes:
        raise ConfigError("the broker URL names no node")
    return nodes


def load_settings(config_file: Path | None = None, **overrides: Any) -> HubSettings:
    """Build settings: ``overrides`` beat ``HUB_*`` variables, which beat the file and defaults.

    Raises :class:`ConfigError` naming the bad key when anything is invalid.
    """

    class _Settings(HubSettings):
        model_config = SettingsConfigDict(yaml_file=config_file, yaml_file_encoding="utf-8")

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))

    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file {config_file} does not exist")
    try:
        settings = _Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise ConfigError(f"invalid configuration: {validation_summary(e)}") from e
    return HubSettings.model_validate(settings.model_dump())
