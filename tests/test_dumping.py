"""The fast response dumper gives exactly marshmallow's output (the whole suite also checks it
on every response: wuye_core.testing turns dumping.CHECK on)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump

from wuye_core.common import dumping
from wuye_core.common.dumping import FastDumpSchema


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Inner(FastDumpSchema):
    id = fields.Integer()
    name = fields.String()


def _fields():
    return {
        "id": fields.Integer(),
        "as_text": fields.Integer(as_string=True),
        "name": fields.String(),
        "renamed": fields.String(data_key="shownAs"),
        "from_elsewhere": fields.String(attribute="other"),
        "dotted": fields.Integer(attribute="inner.id"),
        "flag": fields.Boolean(),
        "ratio": fields.Float(),
        "amount": fields.Decimal(as_string=True),
        "day": fields.Date(),
        "at": fields.DateTime(),
        "at_custom": fields.DateTime(format="%Y/%m/%d"),
        "colour": fields.Enum(Colour, by_value=True),
        "colour_name": fields.Enum(Colour),
        "raw": fields.Raw(),
        "with_default": fields.String(dump_default="无"),
        "computed": fields.Function(lambda obj: "x" if obj is not None else None),
        "inner": fields.Nested(Inner),
        "inners": fields.List(fields.Nested(Inner)),
        "tags": fields.List(fields.String()),
        "secret": fields.String(load_only=True),
    }


FastAll = FastDumpSchema.from_dict(_fields(), name="FastAll")
SlowAll = Schema.from_dict(_fields(), name="SlowAll")

FULL = dict(id=7, as_text=8, name="张三", renamed="r", other="o", flag=1, ratio=0.5, amount=decimal.Decimal("1.20"),
            day=dt.date(2026, 11, 25), at=dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC),
            at_custom=dt.datetime(2026, 1, 2), colour=Colour.RED, colour_name=Colour.GREEN, raw={"a": [1]},
            with_default="有", inner={"id": 1, "name": "一"}, inners=[SimpleNamespace(id=2, name="二"), None],
            tags=["党员", 3], secret="never shown")
NONES = {k: None for k in FULL}
SPARSE = {"id": "12", "name": 5}  # values to convert, most attributes absent


@pytest.mark.parametrize("data", [FULL, NONES, SPARSE], ids=["full", "nones", "sparse"])
@pytest.mark.parametrize("as_object", [False, True], ids=["dict", "object"])
def test_fast_dump_equals_marshmallow(data, as_object):
    obj = SimpleNamespace(**data) if as_object else dict(data)
    fast, slow = FastAll().dump(obj), SlowAll().dump(obj)
    assert fast == slow and list(fast) == list(slow)
    assert "secret" not in fast
    assert FastAll(many=True).dump([obj, obj]) == SlowAll(many=True).dump([obj, obj])


def test_a_post_dump_hook_changes_the_result():
    class Hooked(FastDumpSchema):
        name = fields.String()

        @post_dump
        def shout(self, data, **kwargs):
            return {k: v.upper() for k, v in data.items()}

    assert Hooked().dump({"name": "wu"}) == {"name": "WU"}


def test_a_difference_from_marshmallow_is_caught_in_check_mode(monkeypatch):
    monkeypatch.setattr(dumping, "CHECK", True)
    monkeypatch.setattr(dumping, "_as_int", lambda value: value)  # a broken converter
    schema = FastDumpSchema.from_dict({"n": fields.Integer()}, name="Broken")()
    with pytest.raises(dumping.DumpMismatch):
        schema.dump({"n": "3"})


def test_post_dump_hooks_keep_the_fast_dump_and_run_on_its_result():
    """A schema that masks personal data after dumping (TicketOut, ResidentOut: #15) keeps the
    fast path (bench/README.md, seventh session: 0.3 M instructions per ticket without it)."""
    from wuye_core.households.schemas import ResidentOut
    from wuye_core.tickets.schemas import TicketOut

    assert TicketOut()._dump_plan() is not None and ResidentOut()._dump_plan() is not None

    class Masked(FastDumpSchema):
        phone = fields.String()

        @post_dump
        def mask(self, data, **kwargs):
            return {**data, "phone": data["phone"][:3] + "****"}

    assert Masked()._dump_plan() is not None
    assert Masked().dump({"phone": "13800001234"}) == {"phone": "138****"}
    assert Masked(many=True).dump([{"phone": "13800001234"}]) == [{"phone": "138****"}]
