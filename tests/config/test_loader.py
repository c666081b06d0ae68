"""Where settings come from: defaults < file < environment < flags, and how each is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devfunnel.config import Settings, load_settings
from devfunnel.errors import ConfigError
from tests.helpers.config import Load, Refuse

FILE_URL = "duckdb:///from-file.duckdb"
ENV_URL = "duckdb:///from-env.duckdb"
FLAG_URL = "duckdb:///from-flag.duckdb"


# --- precedence ------------------------------------------------------------------------


def test_precedence_default_file_environment_flag(load: Load) -> None:
    user_file = f'[database]\nurl = "{FILE_URL}"\n'
    environ = {"DEVFUNNEL_DATABASE_URL": ENV_URL}
    flags = {"database.url": FLAG_URL}

    assert load().database.url == "duckdb:///devfunnel.duckdb"
    assert load(user_file).database.url == FILE_URL
    assert load(user_file, environ=environ).database.url == ENV_URL
    assert load(user_file, environ=environ, overrides=flags).database.url == FLAG_URL


def test_flag_overrides_default_without_file_or_environment(load: Load) -> None:
    assert load(overrides={"server.port": 9100}).server.port == 9100


def test_user_file_overriding_one_key_keeps_every_other_default(
    load: Load, settings: Settings
) -> None:
    loaded = load("[server]\nport = 9000\n")

    assert loaded.server.port == 9000
    assert loaded.model_copy(update={"server": settings.server}) == settings
    assert loaded.server.host == settings.server.host
    assert loaded.server.public_url == settings.server.public_url


def test_user_file_merges_nested_tables_key_by_key(load: Load, settings: Settings) -> None:
    loaded = load("[scoring.grades]\na = 0.95\n")

    assert loaded.scoring.grades.a == 0.95
    assert loaded.scoring.grades.b == settings.scoring.grades.b
    assert loaded.scoring.half_life_days == settings.scoring.half_life_days


def test_arrays_in_user_file_replace_the_default_array_whole(load: Load) -> None:
    loaded = load(
        "[alerts]\nretry_seconds = [2.0]\n\n"
        '[[icp.rules]]\nid = "only"\ndescription = "d"\nweight = 2\n'
        'when = [{ field = "employees", op = "gt", value = 5 }]\n'
    )

    assert loaded.alerts.retry_seconds == [2.0]
    assert [rule.id for rule in loaded.icp.rules] == ["only"]


# --- which file ------------------------------------------------------------------------


def test_explicit_config_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="does not exist") as raised:
        load_settings(missing, environ={})
    assert str(missing) in str(raised.value)
    assert "--config" in str(raised.value)


def test_devfunnel_config_names_the_file(write_config: Callable[[str], Path]) -> None:
    path = write_config("[server]\nport = 9200\n")
    assert load_settings(None, environ={"DEVFUNNEL_CONFIG": str(path)}).server.port == 9200


def test_devfunnel_config_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(ConfigError, match="DEVFUNNEL_CONFIG") as raised:
        load_settings(None, environ={"DEVFUNNEL_CONFIG": str(missing)})
    assert str(missing) in str(raised.value)


def test_explicit_path_wins_over_devfunnel_config(write_config: Callable[[str], Path]) -> None:
    explicit = write_config("[server]\nport = 9301\n", "explicit.toml")
    from_env = write_config("[server]\nport = 9302\n", "env.toml")

    loaded = load_settings(explicit, environ={"DEVFUNNEL_CONFIG": str(from_env)})

    assert loaded.server.port == 9301


def test_devfunnel_toml_in_working_directory_is_read(
    write_config: Callable[[str], Path],
) -> None:
    write_config("[server]\nport = 9400\n", "devfunnel.toml")
    assert load_settings(None, environ={}).server.port == 9400


# --- environment -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DEVFUNNEL_SERVER_PORT", "DEVFUNNEL_SERVER__PORT"])
def test_nested_environment_variable_forms(load: Load, name: str) -> None:
    port = load(environ={name: "9000"}).server.port

    assert port == 9000
    assert type(port) is int


def test_environment_values_are_typed_by_the_setting(load: Load) -> None:
    loaded = load(
        environ={
            "DEVFUNNEL_INGEST_CORRECT_CLOCK_SKEW": "false",
            "DEVFUNNEL_SCORING_HALF_LIFE_DAYS": "14.5",
            "DEVFUNNEL_COMPANY_INTERNAL_DOMAINS": '["a.example", "b.example"]',
            "DEVFUNNEL_COMPANY_NAME": "1234",  # a text setting stays text
            "DEVFUNNEL_SCORING_MOMENTUM_WEIGHTS_ACTIVITY": "0.5",
            "DEVFUNNEL_SCORING_MOMENTUM_WEIGHTS_BREADTH": "0.35",
            "DEVFUNNEL_SCORING_MOMENTUM_WEIGHTS_TREND": "0.15",
        }
    )

    assert loaded.ingest.correct_clock_skew is False
    assert loaded.scoring.half_life_days == 14.5
    assert loaded.company.internal_domains == ["a.example", "b.example"]
    assert loaded.company.name == "1234"
    assert loaded.scoring.momentum_weights.activity == 0.5


def test_environment_value_of_wrong_type_names_the_variable(refuse: Refuse) -> None:
    error, _ = refuse(environ={"DEVFUNNEL_SERVER_PORT": "eighty"})

    text = str(error)
    assert "environment variable DEVFUNNEL_SERVER_PORT: server.port = 'eighty'" in text
    assert "valid integer" in text
    assert error.context["keys"] == ["server.port"]


def test_unknown_environment_variable_is_refused_with_a_suggestion(refuse: Refuse) -> None:
    error, _ = refuse(environ={"DEVFUNNEL_SERVER_PROT": "9000"})

    assert "DEVFUNNEL_SERVER_PROT is not a devfunnel setting" in str(error)
    assert "did you mean DEVFUNNEL_SERVER_PORT?" in str(error)


def test_reserved_and_foreign_environment_variables_are_ignored(load: Load) -> None:
    loaded = load(environ={"DEVFUNNEL_HOME": "/srv/devfunnel", "PATH": "/bin", "CI": "true"})
    assert loaded.server.port == 8000


def test_secret_aliases_from_environment(load: Load) -> None:
    loaded = load(
        environ={
            "DEVFUNNEL_GITHUB_WEBHOOK_SECRET": "gh-secret-value",
            "DEVFUNNEL_STRIPE_WEBHOOK_SECRET": "whsec_stripe-value",
            "DEVFUNNEL_SECRET_KEY": "session-key-0123456789abcdefghij",
        }
    )

    assert loaded.webhooks.github_secret is not None
    assert loaded.webhooks.github_secret.get_secret_value() == "gh-secret-value"
    assert loaded.webhooks.stripe_secret is not None
    assert loaded.webhooks.stripe_secret.get_secret_value() == "whsec_stripe-value"
    assert loaded.server.secret_key is not None
    assert loaded.server.secret_key.get_secret_value() == "session-key-0123456789abcdefghij"
    shown = repr(loaded) + str(loaded.model_dump())
    for secret in ("gh-secret-value", "whsec_stripe-value", "session-key-0123456789abcdefghij"):
        assert secret not in shown


def test_numeric_looking_secret_stays_text(load: Load) -> None:
    loaded = load(environ={"DEVFUNNEL_GITHUB_WEBHOOK_SECRET": "123456"})
    assert loaded.webhooks.github_secret is not None
    assert loaded.webhooks.github_secret.get_secret_value() == "123456"


def test_loaded_settings_are_read_only(settings: Settings) -> None:
    with pytest.raises(ValueError, match="frozen"):
        settings.server = settings.server  # type: ignore[misc]
