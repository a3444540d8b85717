"""Packaging for supervision-hub, the data-exchange hub of Minhang's supervision platform."""

from pathlib import Path

from setuptools import find_packages, setup

PACKAGES = ["adapters", "routes", "transforms", "hub", "monitor", "schemas"]

setup(
    name="supervision-hub",
    version="0.1.0",
    description=(
        "Message-driven data-exchange hub for Minhang District's comprehensive "
        "supervision platform (事中事后综合监管平台)"
    ),
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=[f"{name}*" for name in PACKAGES]),
    package_data={
        "adapters": ["departments.yaml", "platforms.yaml", "testing/templates/*/*.tmpl"],
        "hub": ["app/samples/*", "journal/migrations/script.py.mako"],
        "routes": ["rules/*.yaml", "data/*.yaml"],
        "transforms": ["sources/*.yaml", "xslt/*.xsl"],
        "schemas": ["json/*.json", "xsd/*.xsd", "data/*.yaml", "wsdl/*.wsdl", "wsdl/*.xsd"],
    },
    install_requires=[
        "kombu>=5.3",
        "pika>=1.3",
        "lxml>=4.9",
        "zeep>=4.2",
        "requests>=2.31",
        "tenacity>=8.2",
        "pydantic>=2.6,<3",
        # Its encoder, used directly for the journal's records (installed with pydantic, which
        # pins the version).
        "pydantic-core",
        "prometheus-client>=0.19",
        # Configuration: defaults < YAML file < HUB_* environment, validated as one model.
        "pydantic-settings>=2.2",
        # Route files, source mappings and the systems catalogue are YAML.
        "PyYAML>=6.0",
        # The CLI: command groups, typed options and exit codes without hand-written argv parsing.
        "click>=8.1",
        # The embedded broker: kombu's SQLAlchemy transport over SQLite needs no server.
        "SQLAlchemy>=2.0",
        # The message journal's schema migrations (SQLite and PostgreSQL).
        "alembic>=1.13",
        # The journal on PostgreSQL in production (COPY for batched writes).
        "psycopg[binary]>=3.1",
        # xlsx batches (file-drop, hub import), streamed with openpyxl's read-only mode; openpyxl
        # parses workbook XML with defusedxml when installed: DTDs and entities in untrusted xlsx refused.
        "openpyxl>=3.1",
        "defusedxml>=0.7",
        # Every HTTP door (soap-serve, rest-push, the admin API) runs on uvicorn: a well-kept
        # ASGI server with TLS (client certificates too), an event loop where a slow client
        # costs a socket and not a thread, connection limits and graceful shutdown, instead
        # of hand-hardened http.server code (adapters/sdk/http_server.py). h11 is its parser.
        "uvicorn>=0.30",
        "h11>=0.14",
        # Throwaway certificates for hub demo / hub simulate and the tests (CA, server,
        # client): the well-kept binding of OpenSSL's X.509 code, where the openssl command
        # may be missing (adapters/testing/certificates.py).
        "cryptography>=42",
        # SM2 signatures of the journal's checkpoints: the binding of Tongsuo (铜锁, the
        # OpenAtom OpenSSL fork that implements the 国密 suite); cryptography does not expose
        # SM2, and the pure-Python gmssl leaves the signature's nonce to its caller
        # (hub/crypto/__init__.py). SM3 is hashlib's, SM4 cryptography's.
        "tongsuopy>=1.0",
        # The information service's REST door and the admin API: routing, validation and
        # OpenAPI on uvicorn. A core dependency since hub demo asks through the REST door.
        "fastapi>=0.115",
    ],
    extras_require={
        # Kept so that existing `pip install ".[admin]"` commands work: FastAPI, which the admin
        # API needs, is a core dependency now.
        "admin": [],
        # ruff: the adapter scaffold's test checks that generated packages pass it.
        # import-linter: tests/test_architecture.py holds the layers of .importlinter.
        # schemathesis and hypothesis: tests/security fuzzes the admin API from its own OpenAPI
        # document (schemathesis generates valid and invalid requests per operation from the
        # schema, which no hand-written list keeps up with) and checks properties of the safety
        # flags and reasons (Hypothesis, which schemathesis is built on, shrinks a failure); Hypothesis
        # also fuzzes the rest-push webhook with hostile JSON bodies and headers.
        "test": [
            "pytest>=7.4", "fastapi>=0.115", "uvicorn>=0.30", "httpx>=0.27", "ruff>=0.4",
            "import-linter>=2.1", "schemathesis>=4.0", "hypothesis>=6.100",
            # An independent SM2 implementation the tests check tongsuopy's signatures against.
            "gmssl>=3.2",
        ],
        # The benchmarks' profiles: py-spy samples a running hub run without slowing it
        # (tests/benchmarks/hub_run_deployed.py prints its per-stage breakdown from them).
        "bench": ["py-spy>=0.3"],
        "dev": [
            "pytest>=7.4", "ruff>=0.4", "mypy>=1.8", "types-PyYAML", "types-openpyxl",
            "fastapi>=0.115", "uvicorn>=0.30", "httpx>=0.27", "import-linter>=2.1",
            "hypothesis>=6.100",
        ],
    },
    entry_points={
        "console_scripts": ["hub = hub.app.cli:main"],
        # Third-party adapters register here: name = "package.module:AdapterClass".
        "supervision_hub.adapters": [],
        # The adapter conformance suite's fixtures, for third-party adapters' tests.
        "pytest11": ["supervision_hub = adapters.testing.plugin"],
    },
)
