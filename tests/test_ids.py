"""Record ids: UUIDv7, time-ordered, parsed strictly."""

from __future__ import annotations

import uuid

import pytest

from devfunnel.errors import ValidationError
from devfunnel.ids import new_id, parse_id


def test_new_id_is_a_standard_uuid_version_7() -> None:
    value = new_id()

    assert type(value) is uuid.UUID
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_new_ids_are_unique_and_increasing() -> None:
    ids = [new_id() for _ in range(10_000)]

    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert [i.bytes for i in ids] == sorted(i.bytes for i in ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)


def test_parse_id_accepts_text_and_uuids() -> None:
    value = new_id()

    assert parse_id(str(value)) == value
    assert parse_id(str(value).upper()) == value
    assert parse_id(value.hex) == value
    assert parse_id(value) is value


@pytest.mark.parametrize("bad", ["", "nope", "1234", "0190b2a4-zzzz-7000-8000-000000000000"])
def test_parse_id_refuses_bad_text_with_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError, match="is not a valid id") as raised:
        parse_id(bad)

    assert repr(bad) in str(raised.value)
    assert raised.value.context == {"value": bad}
    assert raised.value.status == 422


def test_parse_id_refuses_non_text() -> None:
    with pytest.raises(ValidationError):
        parse_id(12345)  # type: ignore[arg-type]
