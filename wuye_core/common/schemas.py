"""Base schema: unknown fields are an error (a typo must not be silently dropped); a value in a
JSON body must have the JSON type the document states (no silent conversion); responses are
dumped by the faster path of common/dumping.py."""

from flask import has_request_context, request
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from ..i18n import N_
from .dumping import FastDumpSchema

NOT_AN_INTEGER = N_("Not a valid integer.")
NOT_A_NUMBER = N_("Not a valid number.")
NOT_A_BOOLEAN = N_("Not a valid boolean.")
EMPTY_PATCH = N_("Send at least one field to change.")


def _json_type_error(field: fields.Field, value) -> str | None:
    """Why `value`, as parsed from JSON, is not of the type `field` documents (None: it is).
    Marshmallow alone converts: 2.5 and 2.0 to the integer 2 (the digits after the point lost),
    "2" to 2, "yes" and 1 to True; the document says `integer`, `number`, `boolean`, so these
    are refused. (OpenAPI 3.0's JSON Schema, like schemathesis, counts 2.0 as a number, not an
    integer: write integers without a decimal point.)"""
    if value is None:
        return None  # allow_none decides
    if isinstance(field, fields.Integer):
        return None if type(value) is int else NOT_AN_INTEGER
    if isinstance(field, fields.Number):
        return None if type(value) in (int, float) else NOT_A_NUMBER
    if isinstance(field, fields.Boolean):
        return None if type(value) is bool else NOT_A_BOOLEAN
    if isinstance(field, fields.List) and isinstance(value, list):
        wrong = {i: error if isinstance(error, dict) else [error] for i, item in enumerate(value)
                 if (error := _json_type_error(field.inner, item)) is not None}
        return wrong or None
    return None


class StrictSchema(FastDumpSchema):
    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=False)
    def _json_types(self, data, **kwargs):
        """A JSON body (a dict; query strings come as a MultiDictProxy, all text) is checked for
        the JSON types of its values before marshmallow converts them. A PATCH changes
        something: an empty body (`{}` or none) is refused, and the document says so
        (`minProperties: 1`, api/contract.py)."""
        if type(data) is dict:
            if not data and has_request_context() and request.method == "PATCH":
                body = request.get_json(silent=True)
                if body is None or body == {}:  # the whole body, not an object nested in it
                    raise ValidationError(EMPTY_PATCH, "_schema")
            errors = {}
            for name, field in self.load_fields.items():
                key = field.data_key or name
                if key in data:
                    error = _json_type_error(field, data[key])
                    if error is not None:
                        errors[key] = error if isinstance(error, dict) else [error]
            if errors:
                raise ValidationError(errors)
        return data


_partials: dict[type, type] = {}


def partial(schema_cls: type[Schema]) -> Schema:
    """A PATCH version of a schema: every field optional, documented under its own name."""
    if schema_cls not in _partials:
        _partials[schema_cls] = type(f"{schema_cls.__name__}Patch", (schema_cls,), {})
    # only the top-level fields: a nested object sent in a PATCH is whole (partial=True would
    # reach into it, and `{"roles": [{}]}` would pass without a role)
    return _partials[schema_cls](partial=tuple(schema_cls._declared_fields))
