"""Marshmallow fields with the limits of the columns behind them, so bad input is a 422
with a field name, never a database error (a 500)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from ..i18n import _

INT32_MAX = 2**31 - 1


class Text(fields.String):
    """A string with a maximum length; NUL characters are refused (PostgreSQL cannot store them)."""

    def __init__(self, max_length: int, *, min_length: int | None = None, strip: bool = True, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)
        self.strip = strip

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError(_("Must not contain NUL characters."))
        return text.strip() if self.strip else text


class Id(fields.Integer):
    """A row id: a positive 32-bit integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", False)
        super().__init__(validate=validate.Range(min=1, max=INT32_MAX), **kwargs)


def bounded_int(minimum: int = 0, maximum: int = INT32_MAX, **kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


class Area(fields.Float):
    """An area in square metres (0 to 10 million ㎡), kept to two decimals."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=0, max=10_000_000), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return round(super()._deserialize(value, attr, data, **kwargs), 2)


class IdConverter(IntegerConverter):
    """The app's `<int:...>` URL converter: an integer past any id column (32-bit) matches no
    route, so it is a 404 like any missing row instead of a number the database cannot bind."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INT32_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
