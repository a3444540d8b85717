"""A credential written inline where a reference belongs is refused without being printed.

pydantic's own error text repeats every offending input; the hub turns a configuration model's
failure into one line of keys and problems (``schemas.contract.errors.validation_summary``), so
a secret pasted into the connections file, the lookup block or a ``HUB_*`` variable never
reaches the terminal or a log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.app.cli import main

SECRET = "SuperSecretInlineToken123"


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connections: str) -> tuple[int, str]:
    path = tmp_path / "connections.yaml"
    path.write_text(connections, encoding="utf-8")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUB_CONNECTIONS_FILE", str(path))
    result = CliRunner().invoke(main, ["check"])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "connections",
    [
        pytest.param(
            "connections:\n  credit-platform:\n    outbound:\n      kind: rest-out\n"
            "      url: https://credit.example.gov.cn/api/records\n"
            f"      token: {SECRET}\n",
            id="outbound-token",
        ),
        pytest.param(
            "connections:\n  legal-entity-library:\n    lookup:\n"
            "      url: https://library.example/entities/{credit_code}\n"
            f"      auth: {{type: bearer, token: {SECRET}}}\n",
            id="lookup-bearer-token",
        ),
        pytest.param(
            "connections:\n  legal-entity-library:\n    lookup:\n"
            "      url: https://library.example/entities/{credit_code}\n"
            f"      auth: {{type: basic, username: hub, password: {SECRET}}}\n",
            id="lookup-basic-password",
        ),
    ],
)
def test_an_inline_credential_is_refused_in_one_line_without_printing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connections: str
) -> None:
    code, output = _check(tmp_path, monkeypatch, connections)
    assert code == 2, output
    assert "never inline" in output or "reference" in output, output
    assert SECRET not in output
    assert len(output.strip().splitlines()) == 1, output


def test_a_bad_setting_names_its_key_without_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUB_MAX_MESSAGE_BYTES", SECRET)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2, result.output
    assert "max_message_bytes" in result.output
    assert SECRET not in result.output
