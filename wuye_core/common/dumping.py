"""`Schema.dump` with the same output and fewer layers per field, for response schemas.

marshmallow walks serialize → get_value → accessor → _serialize for every field of every row;
a page of 20 households is 180 such walks, about a tenth of the request. `FastDumpSchema`
builds a plan once per schema instance — for each field its output key, its attribute and a
converter — and runs it. The common converters (strings, integers, dates, enums by value,
raw values) are inlined; any other field still gets its own `_serialize`; fields that read
the object themselves (Method, Function, custom `serialize`/`get_value`), dotted attributes and
schemas with pre-dump hooks or their own `get_attribute` go through marshmallow unchanged;
post-dump hooks (the masking of personal data) run on the fast result, as marshmallow runs them.

The test suite runs with `CHECK = True`: every fast dump is compared with marshmallow's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import _get_value_for_key, ensure_text_type

CHECK = False  # compare with marshmallow on every dump (set by the test configuration)


class DumpMismatch(AssertionError):
    """The fast dump differs from marshmallow's: a bug in this module."""


def _identity(value):
    return value


def _as_str(value):
    return value if value is None or type(value) is str else ensure_text_type(value)


def _as_int(value):
    return value if value is None or type(value) is int else int(value)


def _formatter(func: Callable) -> Callable:
    def convert(value):
        return None if value is None else func(value)

    return convert


def _by_value(value):
    return None if value is None else value.value


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    """A one-argument function doing what `field._serialize` does, where that is known."""
    kind = type(field)
    serialize = kind._serialize
    if serialize is fields.Field._serialize:  # Raw and friends
        return _identity
    if serialize is fields.String._serialize:
        return _as_str
    if serialize is fields.Number._serialize and field.num_type is int and not field.as_string:
        return _as_int
    if serialize is fields.DateTime._serialize:  # Date too
        format_func = kind.SERIALIZATION_FUNCS.get(field.format or kind.DEFAULT_FORMAT)
        return None if format_func is None else _formatter(format_func)
    if serialize is fields.Enum._serialize and field.by_value and type(field.field)._serialize is fields.Field._serialize:
        return _by_value
    if serialize is fields.List._serialize and type(field.inner)._serialize is fields.Nested._serialize:
        return _list_of_nested(field.inner)
    return None


def _list_of_nested(nested: fields.Nested) -> Callable[[Any], Any] | None:
    """A list of nested objects (a page's items) dumped in one go, not one `dump()` per item."""
    schema = nested.schema
    if not isinstance(schema, FastDumpSchema) or schema.many or nested.many:
        return None
    plan = schema._dump_plan()
    if plan is None or schema._hooks[POST_DUMP]:
        # The items in ONE dump of the item schema (many=True), its hooks with them: a hook that
        # takes the collection (people's names, masking) then runs once per page, not once per item.
        def whole(items):
            return None if items is None else schema.dump(list(items), many=True)

        return whole

    def convert(items):
        if items is None:
            return None
        return [None if item is None else _dump_one(schema, plan, item) for item in items]

    return convert


def _plan(schema: Schema) -> list[tuple] | None:
    """[(key, attribute, converter, field, attr_name)], or None: dump with marshmallow."""
    if schema._hooks[PRE_DUMP] or type(schema).get_attribute is not Schema.get_attribute:
        return None
    plan = []
    for attr_name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else attr_name
        attribute = field.attribute if field.attribute is not None else attr_name
        direct = (field._CHECK_ATTRIBUTE and "." not in attribute and type(field).serialize is fields.Field.serialize
                  and type(field).get_value is fields.Field.get_value)
        plan.append((key, attribute if direct else None, _converter(field) if direct else None, field, attr_name))
    return plan


def _dump_one(schema: Schema, plan: list[tuple], obj) -> dict:
    out = schema.dict_class()
    is_mapping = hasattr(obj, "__getitem__")
    for key, attribute, convert, field, attr_name in plan:
        if attribute is None:  # marshmallow's own way for this field
            value = field.serialize(attr_name, obj, accessor=schema.get_attribute)
            if value is not missing:
                out[key] = value
            continue
        value = _get_value_for_key(obj, attribute, missing) if is_mapping else getattr(obj, attribute, missing)
        if value is missing:
            default = field.dump_default
            value = default() if callable(default) else default
            if value is missing:
                continue
        out[key] = convert(value) if convert is not None else field._serialize(value, attr_name, obj)
    return out


class FastDumpSchema(Schema):
    def _dump_plan(self) -> list[tuple] | None:
        plan = self.__dict__.get("_wuye_dump_plan", missing)
        if plan is missing:
            plan = self.__dict__["_wuye_dump_plan"] = _plan(self)
        return plan

    def dump(self, obj: Any, *, many: bool | None = None):
        plan = self._dump_plan()
        if plan is None:
            return super().dump(obj, many=many)
        many = self.many if many is None else bool(many)
        if many and obj is not None:
            result = [_dump_one(self, plan, item) for item in obj]
        else:
            result = _dump_one(self, plan, obj)
        if self._hooks[POST_DUMP]:  # as marshmallow's dump runs them (the masking of personal data)
            result = self._invoke_dump_processors(POST_DUMP, result, many=many, original_data=obj)
        if CHECK:
            expected = super().dump(obj, many=many)
            if result != expected or list(_keys(result)) != list(_keys(expected)):
                raise DumpMismatch(f"{type(self).__name__}: fast dump {result!r} != marshmallow {expected!r}")
        return result


def _keys(result):
    return [list(r) for r in result] if isinstance(result, list) else list(result)
