"""A bad configuration is refused, naming the source, the dotted key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfunnel.errors import ConfigError
from tests.helpers.config import (
    LOST_STAGE,
    OPEN_STAGE,
    WON_STAGE,
    Load,
    Refuse,
    icp_rule,
    stages,
)


def _assert_names(error: ConfigError, path: Path | None, key: str, reason: str) -> None:
    """The message names the file, the dotted key and the reason, on one line.

    A problem with a whole section may also name the built-in defaults that supplied the
    rest of it, but the user's file comes first.
    """
    assert path is not None
    text = str(error)
    assert str(path) in error.detail  # the headline names the file
    line = next((p for p in error.problems if f": {key}" in p), None)
    assert line is not None, f"no problem about {key!r} in:\n{text}"
    assert line.startswith(str(path)), line
    assert reason in line, line


def test_unknown_key_suggests_the_closest(refuse: Refuse) -> None:
    error, path = refuse("[server]\nprot = 9000\n")

    _assert_names(error, path, "server.prot", "unknown key (did you mean 'port'?)")
    assert error.context["keys"] == ["server.prot"]
    assert error.exit_code == 78


def test_unknown_section_suggests_the_closest(refuse: Refuse) -> None:
    error, path = refuse("[scoring.gradez]\na = 0.9\n")

    _assert_names(error, path, "scoring.gradez", "unknown key (did you mean 'grades'?)")


def test_string_for_integer(refuse: Refuse) -> None:
    error, path = refuse('[server]\nport = "8080"\n')

    _assert_names(error, path, "server.port = '8080'", "valid integer")


def test_string_inside_list_of_numbers(refuse: Refuse) -> None:
    error, path = refuse('[alerts]\nretry_seconds = [1.0, "5"]\n')

    _assert_names(error, path, "alerts.retry_seconds[1] = '5'", "valid number")


def test_integer_inside_list_of_strings(refuse: Refuse) -> None:
    error, path = refuse('[company]\ninternal_domains = ["a.example", 3]\n')

    _assert_names(error, path, "company.internal_domains[1] = 3", "valid string")


def test_every_problem_is_listed_at_once(refuse: Refuse) -> None:
    error, _ = refuse('[server]\nport = "x"\nhots = "h"\n[ingest]\ngroup_commit_ms = 5000\n')

    assert sorted(error.context["keys"]) == ["ingest.group_commit_ms", "server.hots", "server.port"]
    assert len(error.problems) == 3


# --- rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ('{ field = "headcount", op = "gt", value = 5 }', "unknown field 'headcount'"),
        # lead-only fields are not firmographics
        ('{ field = "momentum", op = "gt", value = 5 }', "unknown field 'momentum'"),
        (
            '{ field = "employees", op = "contains", value = "5" }',
            "operator 'contains' does not apply to number field 'employees'",
        ),
        (
            '{ field = "tech_stack", op = "eq", value = "go" }',
            "operator 'eq' does not apply to list field 'tech_stack'",
        ),
        (
            '{ field = "employees", op = "between", value = [500, 10] }',
            "low 500 is above high 10",
        ),
        ('{ field = "employees", op = "gt", value = "5" }', "is not a number value"),
        ('{ field = "industry", op = "in", value = [] }', "non-empty list"),
        ('{ field = "industry", op = "exists", value = "yes" }', "true or false"),
        ('{ field = "employees", op = "like", value = 5 }', "op"),
    ],
)
def test_invalid_icp_condition(refuse: Refuse, condition: str, reason: str) -> None:
    error, path = refuse(icp_rule(condition))

    _assert_names(error, path, "icp.rules[0] (r).when[0]", reason)


@pytest.mark.parametrize("weight", [10.5, -11])
def test_icp_weight_outside_range(refuse: Refuse, weight: float) -> None:
    error, path = refuse(icp_rule('{ field = "employees", op = "gt", value = 5 }', weight))

    _assert_names(error, path, "icp.rules[0] (r).weight", "than or equal to")


@pytest.mark.parametrize("weight", [10, -10])
def test_icp_weight_at_the_bounds_is_accepted(load: Load, weight: int) -> None:
    loaded = load(icp_rule('{ field = "employees", op = "gt", value = 5 }', weight))

    assert loaded.icp.rules[0].weight == weight


def test_routing_rule_naming_unknown_team(refuse: Refuse) -> None:
    error, path = refuse(
        '[[routing.rules]]\nid = "lost"\nteam = "no_such_team"\n'
        'when = [{ field = "region", op = "eq", value = "NA" }]\n'
    )

    _assert_names(error, path, "routing", "routing rule 'lost' names unknown team 'no_such_team'")


def test_routing_rule_condition_may_use_lead_fields(refuse: Refuse) -> None:
    error, path = refuse(
        '[[routing.rules]]\nid = "hot"\nteam = "sdr"\n'
        'when = [{ field = "momentum", op = "gte", value = "high" }]\n'
    )

    _assert_names(error, path, "routing.rules[0] (hot).when[0]", "is not a number value")


def test_stage_probability_above_one(refuse: Refuse) -> None:
    error, path = refuse(stages(OPEN_STAGE.replace("0.1", "1.5"), WON_STAGE, LOST_STAGE))

    _assert_names(
        error, path, "pipeline.stages[0] (discovery).probability = 1.5", "less than or equal to 1"
    )


def test_minimal_valid_pipeline_is_accepted(load: Load) -> None:
    loaded = load(stages(OPEN_STAGE, WON_STAGE, LOST_STAGE))

    assert [stage.id for stage in loaded.pipeline.stages] == ["discovery", "won", "lost"]


def test_pipeline_without_won_stage(refuse: Refuse) -> None:
    error, path = refuse(stages(OPEN_STAGE, LOST_STAGE))

    _assert_names(error, path, "pipeline", "exactly one stage with outcome 'won'")


def test_pipeline_with_open_stage_after_closed(refuse: Refuse) -> None:
    error, path = refuse(stages(WON_STAGE, OPEN_STAGE, LOST_STAGE))

    _assert_names(error, path, "pipeline", "open stages must all come before")


def test_stage_with_unknown_forecast_category(refuse: Refuse) -> None:
    error, path = refuse(stages(OPEN_STAGE.replace('"pipeline"', '"maybe"'), WON_STAGE, LOST_STAGE))

    _assert_names(
        error, path, "pipeline.stages[0] (discovery).forecast_category", "unknown forecast category"
    )


def test_milestone_naming_unknown_activity(refuse: Refuse) -> None:
    error, path = refuse(
        '[[journey.stages]]\nid = "learn"\nlabel = "Learn"\ndevrel_goal = "activation"\n'
        'funnel_stage = "lead"\n'
        'milestones = [{ id = "m", label = "M", activities = ["signed_up", "teleported"] }]\n'
    )

    _assert_names(
        error,
        path,
        "journey.stages[0] (learn).milestones[0] (m).activities[1] = 'teleported'",
        "unknown activity type; defined: docs_visit",
    )
    assert len(error.problems) == 1


def test_momentum_weights_not_summing_to_one(refuse: Refuse) -> None:
    error, path = refuse("[scoring.momentum_weights]\nactivity = 0.2\n")

    _assert_names(error, path, "scoring.momentum_weights", "must sum to 1 (they sum to 0.9)")


def test_bad_regex_in_bot_patterns(refuse: Refuse) -> None:
    error, path = refuse("[identity]\nbot_patterns = ['ok', '(unclosed']\n")

    _assert_names(error, path, "identity.bot_patterns", "'(unclosed' is not a valid regular")


def test_invalid_toml_syntax(refuse: Refuse) -> None:
    error, path = refuse("[server\nport = 1\n")

    assert f"{path} is not valid TOML" in str(error)
    assert "line 1" in str(error)


def test_invalid_value_from_flag_names_the_flag(refuse: Refuse) -> None:
    error, _ = refuse(overrides={"database.url": "mysql://db/app"})

    assert error.problems[0].startswith("--db option: database.url = 'mysql://db/app'")
    assert "unsupported database URL scheme 'mysql'" in error.problems[0]


# --- secrets are never shown -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[webhooks]\ngithub_secret = 987654321\n",
        '[webhooks]\nstripe_secret = ["whsec_987654321"]\n',
        "[server]\nsecret_key = 987654321\n",
    ],
)
def test_secret_values_never_appear_in_errors(refuse: Refuse, text: str) -> None:
    error, _ = refuse(text)

    assert "987654321" not in str(error)
    assert "987654321" not in repr(error.context)
    assert "'***'" in str(error)


def test_database_password_never_appears_in_errors(refuse: Refuse) -> None:
    error, _ = refuse(environ={"DEVFUNNEL_DATABASE_URL": "mysql://app:hunter2-pw@db/app"})

    assert "database.url" in str(error)
    assert "hunter2-pw" not in str(error)
