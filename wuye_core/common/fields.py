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


# --- figures: one unit per kind (README, "API conventions") --------------------------------------
#
# Every figure the API returns (KPIs, dashboards, reports, plugins' figures) is one of these:
#   a rate or ratio:  a fraction 0–1, four decimals, its name ends in `_rate` (0.8571, not 85.7 %);
#                     null when its denominator is 0
#   a count:          an integer
#   a duration:       minutes (the unit of the SLA deadlines, "5341"), two decimals, name ends in `_minutes`
#   satisfaction:     the mean of 1–5 ratings, two decimals
# Spreadsheets and documents for people may show percentages: that is presentation.

FIGURE_VALUE_DOC = ("数字，单位由 key 的结尾决定：`_rate` 为 0–1 的小数（四位），`_minutes` 为分钟，`_satisfaction` 为 1–5 分的"
                    "平均值，其余为计数（整数）；无法计算时为 null / the figure; its key's ending gives its unit: "
                    "`_rate` a fraction 0–1 (four decimals), `_minutes` minutes, `_satisfaction` the mean of "
                    "1–5 ratings, anything else a count (an integer); null when it cannot be worked out")
RATE_DOC = "比率：0–1 的小数，保留四位；分母为 0 时为 null / a rate: a fraction 0–1, four decimals; null when its denominator is 0"
COUNT_DOC = "计数（整数）/ a count (an integer)"
MINUTES_DOC = "时长：分钟，保留两位小数 / a duration in minutes, two decimals"
SATISFACTION_DOC = "满意度：1–5 分评分的平均值，保留两位小数 / satisfaction: the mean of 1–5 ratings, two decimals"


def _described(doc: str, kwargs: dict) -> dict:
    metadata = dict(kwargs.pop("metadata", None) or {})
    extra = metadata.get("description")
    metadata["description"] = f"{extra}. {doc}" if extra else doc
    return {**kwargs, "metadata": metadata}


def rate_value(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a rate (a fraction, four decimals), None when denominator is 0."""
    return None if not denominator else round(numerator / denominator, 4)


def minutes_value(seconds: float | None) -> float | None:
    """A duration in seconds as minutes, two decimals."""
    return None if seconds is None else round(seconds / 60, 2)


class Rate(fields.Float):
    """An output rate: a fraction 0–1 (four decimals), null when undefined. Its description says so."""

    def __init__(self, **kwargs):
        kwargs = _described(RATE_DOC, kwargs)
        kwargs["metadata"].update(minimum=0, maximum=1)
        super().__init__(allow_none=True, **kwargs)


class Count(fields.Integer):
    """An output count: an integer."""

    def __init__(self, **kwargs):
        kwargs = _described(COUNT_DOC, kwargs)
        kwargs["metadata"].setdefault("minimum", 0)
        super().__init__(**kwargs)


class Minutes(fields.Float):
    """An output duration in minutes (two decimals), null when there is none."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **_described(MINUTES_DOC, kwargs))


class Satisfaction(fields.Float):
    """An output satisfaction: the mean of 1–5 ratings (two decimals), null when nobody rated."""

    def __init__(self, **kwargs):
        kwargs = _described(SATISFACTION_DOC, kwargs)
        kwargs["metadata"].update(minimum=1, maximum=5)
        super().__init__(allow_none=True, **kwargs)
