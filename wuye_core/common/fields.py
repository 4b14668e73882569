"""Marshmallow fields with the limits of the columns behind them, so bad input is a 422
with a field name, never a database error (a 500). What a field refuses, its OpenAPI schema
says (a `pattern`, `minLength`, `maximum`...): the document and the server agree
(tests/test_fuzz.py, tests/test_api_contract_rules.py)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from ..i18n import _

INT32_MAX = 2**31 - 1


# What Text strips from both ends: Python's whitespace (str.isspace), spelt out so that the
# document's `pattern` names the very same characters (a regular expression's \\s differs).
WHITESPACE = "".join(chr(c) for c in range(0x10000) if chr(c).isspace())  # none above U+3000
_WHITESPACE_CLASS = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)
NO_NUL = "^[^\\u0000]*$"
# at least one character that is neither NUL nor whitespace: what is left after stripping
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{_WHITESPACE_CLASS}][^\\u0000]*$"


class Text(fields.String):
    """A string with a maximum length; NUL characters are refused (PostgreSQL cannot store them),
    other control characters are kept. Whitespace around it is stripped (`strip`); with a
    `min_length`, a value that is only whitespace is refused.

    The length and a `validate.Regexp` (the whole value must match, as JSON Schema's `pattern`
    means) are checked on the value as sent, before stripping, so that they mean what the
    document's `minLength`, `maxLength` and `pattern` say."""

    def __init__(self, max_length: int, *, min_length: int | None = None, strip: bool = True, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        if callable(validators):
            validators = [validators]
        self.length = validate.Length(min=min_length, max=max_length)
        self.patterns = [v for v in validators if isinstance(v, validate.Regexp)]
        super().__init__(validate=[v for v in validators if v not in self.patterns], **kwargs)
        self.strip = strip
        self.not_blank = bool(strip and min_length and not self.patterns)
        pattern = self.patterns[0].regex.pattern if self.patterns else NOT_BLANK if self.not_blank else NO_NUL
        self.metadata = {"maxLength": max_length, "pattern": pattern, **self.metadata}
        if min_length is not None:
            self.metadata.setdefault("minLength", min_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        self.length(text)
        if "\x00" in text:
            raise ValidationError(_("Must not contain NUL characters."))
        for regexp in self.patterns:
            if regexp.regex.fullmatch(text) is None:  # Python's `$` would let "abc\n" pass
                raise ValidationError(regexp.error)
        if self.strip:
            text = text.strip()
            if self.not_blank and not text:
                raise ValidationError(_("Must not be blank."))
        return text


class Id(fields.Integer):
    """A row id: a positive 32-bit integer. An integer in JSON (`2`; not `2.5`, `2.0`, `"2"`:
    StrictSchema), decimal digits in a query string or a path."""

    def __init__(self, **kwargs):
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
