"""The checks every adapter passes, inbound or outbound: its config spec and its lifecycle.

:class:`AdapterConformance` is not used directly: subclass
:class:`~adapters.testing.conformance.InboundConformance` or
:class:`~adapters.testing.conformance.OutboundConformance`. Each ``test_*`` method is one
check; its name says what it proves and its failure message says what to fix.
"""

from __future__ import annotations

import json
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from adapters.registry import AdapterRegistry
from adapters.sdk import MODES, Adapter, AdapterConfig, Health, masked, resolve_secret
from adapters.sdk.options import models_in, options
from adapters.testing.conformance.credential_checks import (
    SENTINEL,
    with_sentinel_secrets,
)
from adapters.testing.conformance.leaks import Resources

#: Option names that hold a credential: they must be secret references.
CREDENTIAL_NAME = re.compile(
    r"(^|_)(password|passwd|passphrase|token|secret|api_key|apikey|private_key|credentials?)$"
)
_KIND = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def wait_until(condition: Callable[[], bool], timeout: float, failure: Callable[[], str]) -> None:
    """Return once ``condition()`` holds; AssertionError with ``failure()`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(0.02)


def start_within(adapter: Adapter[Any], seconds: float) -> None:
    """``adapter.start()``, failing the test if it has not returned after ``seconds``."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            adapter.start()
        except BaseException as e:  # noqa: BLE001 - re-raised in the test thread below
            raised.append(e)

    thread = threading.Thread(target=run, name=f"conformance-start:{adapter.kind}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(
            f"{type(adapter).__name__}.start() had not returned after {seconds:g}s: start "
            "must open connections or servers and return, doing its work on its own threads"
        )
    if raised:
        raise raised[0]


@contextmanager
def running(adapter: Adapter[Any], start_timeout: float) -> Iterator[Adapter[Any]]:
    """The adapter started (promptly) inside the block and stopped after it, whatever happens."""
    try:
        start_within(adapter, start_timeout)
        yield adapter
    finally:
        adapter.stop()


class AdapterConformance(ABC):
    """Config and lifecycle checks. Tunables are class attributes a test class may override.

    Abstract: :class:`InboundConformance` and :class:`OutboundConformance` supply
    :meth:`make_adapter` and :meth:`exercise` for their direction."""

    #: The adapter under test.
    adapter_class: ClassVar[type[Adapter[Any]]]
    #: The system id the adapter is built for.
    system: ClassVar[str] = "market"
    #: How long ``start()`` may take.
    start_timeout: ClassVar[float] = 5.0
    #: How long to wait for records, health or recovery before failing.
    timeout: ClassVar[float] = 10.0
    #: How long a thread the adapter stopped may take to end.
    leak_grace: ClassVar[float] = 1.0

    config_base: ClassVar[type[AdapterConfig]] = AdapterConfig
    adapter_base: ClassVar[type] = Adapter
    direction: ClassVar[str] = ""

    @abstractmethod
    def make_adapter(self, config: AdapterConfig) -> Adapter[Any]:
        """A new adapter for ``config`` (inbound: with a fresh recording port)."""

    @abstractmethod
    def exercise(self, adapter: Adapter[Any], harness: Any) -> None:
        """Make the running adapter do one unit of real work (take or deliver one record)."""

    def config(self, harness: Any) -> AdapterConfig:
        """The harness's working config, validated by the adapter's ``Config``."""
        return self.adapter_class.Config.model_validate(harness.config())

    def healthy(self, adapter: Adapter[Any]) -> None:
        """Wait until ``adapter.health().ok`` (an inbound poller: after its first poll)."""
        wait_until(lambda: adapter.health().ok, self.timeout,
                   lambda: f"health() still not ok after {self.timeout:g}s: {adapter.health()}")

    # -- config spec ----------------------------------------------------------------------

    def test_config_model_extends_the_sdk_base(self) -> None:
        cls = self.adapter_class
        assert issubclass(cls, self.adapter_base), (
            f"{cls.__name__} must subclass {self.adapter_base.__name__}")
        assert isinstance(cls.Config, type) and issubclass(cls.Config, self.config_base), (
            f"{cls.__name__}.Config must subclass adapters.sdk.{self.config_base.__name__}")

    def test_config_refuses_unknown_keys(self, harness: Any) -> None:
        config = self.adapter_class.Config
        config.model_validate(harness.config())  # the harness's config itself is accepted
        try:
            config.model_validate({**harness.config(), "no_such_option": "x"})
        except ValidationError as e:
            assert "no_such_option" in str(e), f"the error does not name the unknown key: {e}"
        else:
            pytest.fail("the config accepted an unknown key: keep AdapterConfig's extra='forbid'")
        lax = [m.__name__ for m in self._models() if m.model_config.get("extra") != "forbid"]
        assert not lax, f"nested config models accept unknown keys: {lax} (extra='forbid')"

    def test_every_config_option_has_a_description(self) -> None:
        missing = [o.name for o in options(self.adapter_class.Config) if not o.description]
        assert not missing, f"options without Field(description=...): {missing}"

    def test_credential_options_are_secret_references(self) -> None:
        inline = [o.name for o in options(self.adapter_class.Config)
                  if CREDENTIAL_NAME.search(o.name.rsplit(".", 1)[-1])
                  and "secret reference" not in o.type]
        assert not inline, f"credential options must be typed SecretRef (env:/file:): {inline}"

    def test_config_never_shows_a_resolved_secret(
        self, harness: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        raw, references = with_sentinel_secrets(
            self.adapter_class.Config, harness.config(), tmp_path, monkeypatch.setenv
        )
        if not references:
            pytest.skip("the config holds no credential reference")
        config = self.adapter_class.Config.model_validate(raw)
        for reference in references:
            assert SENTINEL in resolve_secret(reference).get_secret_value()
        self.make_adapter(config)  # an adapter may resolve on construction, never into config
        shown = {
            "masked(config)": json.dumps(masked(config), ensure_ascii=False, default=str),
            "repr(config)": repr(config),
            "str(config)": str(config),
            "config.model_dump_json()": config.model_dump_json(),
        }
        leaking = [where for where, text in shown.items() if SENTINEL in text]
        assert not leaking, f"a resolved credential shows in {leaking}"

    def test_kind_mode_and_direction_are_declared_and_match_the_registry(
        self, harness: Any
    ) -> None:
        cls = self.adapter_class
        kind = getattr(cls, "kind", None)
        assert isinstance(kind, str) and _KIND.match(kind), (
            f"kind must be lower-case words joined by '-', not {kind!r}")
        assert getattr(cls, "mode", None) in MODES, f"mode must be one of {MODES}"
        assert cls.direction == self.direction, f"direction must be {self.direction!r}"
        assert self.config(harness).kind == kind, "the harness's config names another kind"
        registry = AdapterRegistry()
        if kind in registry.names():
            loaded = registry.load(kind)
            assert loaded is cls, (
                f"{kind!r} is registered as {registry.target(kind)}, "
                f"not {cls.__module__}:{cls.__qualname__}")

    def _models(self) -> list[type[BaseModel]]:
        found: list[type[BaseModel]] = []
        pending: list[type[BaseModel]] = [self.adapter_class.Config]
        while pending:
            model = pending.pop()
            for field in model.model_fields.values():
                for nested in models_in(field.annotation):
                    if nested not in found:
                        found.append(nested)
                        pending.append(nested)
        return found

    # -- lifecycle ------------------------------------------------------------------------

    def test_start_returns_promptly(self, harness: Any) -> None:
        adapter = self.make_adapter(self.config(harness))
        with running(adapter, self.start_timeout):
            pass

    def test_health_is_ok_once_running(self, harness: Any) -> None:
        adapter = self.make_adapter(self.config(harness))
        assert isinstance(adapter.health(), Health), "health() must answer before start()"
        with running(adapter, self.start_timeout):
            self.healthy(adapter)

    def test_stop_is_idempotent_and_safe_without_start(self, harness: Any) -> None:
        never_started = self.make_adapter(self.config(harness))
        never_started.stop()
        never_started.stop()
        adapter = self.make_adapter(self.config(harness))
        start_within(adapter, self.start_timeout)
        adapter.stop()
        adapter.stop()

    def test_stop_leaves_no_thread_or_listening_socket(self, harness: Any) -> None:
        config = self.config(harness)
        before = Resources.now()
        adapter = self.make_adapter(config)
        with running(adapter, self.start_timeout):
            self.healthy(adapter)
            self.exercise(adapter, harness)
        left = before.left_over(self.leak_grace)
        assert not left, f"still open {self.leak_grace:g}s after stop(): {left}"
