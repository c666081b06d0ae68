"""A malformed routing or handoff configuration is refused at start, naming the file, the
key and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfunnel.config import load_settings
from devfunnel.errors import ConfigError


def refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "devfunnel.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(path) in caught.value.detail
    return str(caught.value)


@pytest.mark.parametrize(("text", "said"), [
    ('[[routing.rules]]\nid = "x"\nteam = "nobody"\n', "routing rule 'x' names unknown team"),
    ('[[routing.rules]]\nid = "x"\nteam = "sdr"\nuser = "a@b.io"\n',
     "must name exactly one of team or user"),
    ('[[routing.rules]]\nid = "x"\nteam = "sdr"\nwhen = [{ field = "size", op = "gt", '
     'value = 5 }]\n', "unknown field 'size'"),
    ('[[routing.rules]]\nid = "x"\nteam = "sdr"\nwhen = [{ field = "region", op = "gt", '
     'value = "NA" }]\n', "operator 'gt' does not apply to text field 'region'"),
    ('[routing]\nfallback_team = "nobody"\n', "fallback_team 'nobody' is not a defined team"),
    ('[routing]\nsla_minutes = { webinar = 5 }\n', "webinar"),
    ('[[routing.teams]]\nid = "t"\nlabel = "T"\nrole = "seller"\nmembers = [{ email = "a@b.io",'
     ' capacity = 0 }]\n', "routing.teams[0] (t).members[0].capacity"),
    ('[[handoffs.kinds]]\nid = "k"\nlabel = "K"\nfrom_role = "seller"\nto_role = "seller"\n'
     'packet_fields = ["developers"]\nauto_create_on = "signed"\n', "auto_create_on"),
    ('[[handoffs.kinds]]\nid = "k"\nlabel = "K"\nfrom_role = "seller"\nto_role = "seller"\n'
     'packet_fields = ["developers"]\nrequired_fields = ["risks"]\n',
     "required field 'risks' is not in packet_fields"),
])  # fmt: skip
def test_bad_routing_and_handoff_settings_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, said: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert said in refused(tmp_path, text)
