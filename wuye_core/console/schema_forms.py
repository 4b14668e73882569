"""A form generated from a marshmallow schema (a plugin's config schema, LoadedPlugin.config_schema):
what to draw for each field, and how to read the submitted form back into what the schema loads.
The schema itself validates (whoever calls `load`, here the enablement service): this module only
draws and reads, it knows no rule of any plugin.

    strings → a text input (a select for `validate.OneOf`), integers and decimals → a number input,
    booleans → a checkbox, lists of strings → a textarea, one per line (checkboxes when the items
    are `OneOf`), nested schemas → a fieldset, anything else → a textarea of JSON.

Labels come from the field's metadata `title`, else `description` (a bilingual "中文 / English"
text gives the reader's language), else the field's name. Input names are dotted paths under a
prefix ("config.rapid_response.arrive_minutes"), the same keys as the errors of the service
(console/forms.domain_errors), so each message lands next to its field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from marshmallow import Schema, fields, validate

TRUE = frozenset({"on", "true", "1", "y", "yes"})


@dataclass
class FormField:
    """One input (or a fieldset of them) of a generated form, as the template draws it."""

    name: str  # the input's name: a dotted path under the prefix
    label: str
    kind: str  # text | number | checkbox | select | lines | checks | group | json
    value: Any = None
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)  # min, max, step, maxlength
    children: list[FormField] = field(default_factory=list)

    @property
    def attr_text(self) -> str:
        return " ".join(f'{key}="{value}"' for key, value in self.attrs.items())


BILINGUAL = re.compile(r"\s*/\s+")  # "中文 / English", also "中文（天）/ English"


def in_reader_language(text: str) -> str:
    """The reader's half of a bilingual "中文 / English" text (the whole text when it is not one)."""
    parts = BILINGUAL.split(text.strip(), maxsplit=1)
    if len(parts) == 2:
        return parts[1].strip() if str(get_locale()) == "en" else parts[0].strip()
    return text.strip()


def label_of(name: str, f: fields.Field) -> str:
    """The field's title or description in the reader's language; for a nested schema without
    either, the first line of the schema's docstring; else the field's name."""
    text = f.metadata.get("title") or f.metadata.get("description")
    if not text and isinstance(f, fields.Nested) and isinstance(f.schema, Schema):
        doc = (type(f.schema).__doc__ or "").strip()
        text = doc.splitlines()[0] if doc else ""
    if not text:
        return name.replace("_", " ")
    return in_reader_language(text)


def _one_of(f: fields.Field) -> validate.OneOf | None:
    validators = f.validators if isinstance(f.validators, list | tuple) else [f.validators]
    return next((v for v in validators if isinstance(v, validate.OneOf)), None)


def _range_attrs(f: fields.Field) -> dict:
    attrs: dict[str, Any] = {}
    for v in f.validators:
        if isinstance(v, validate.Range):
            if v.min is not None:
                attrs["min"] = v.min
            if v.max is not None:
                attrs["max"] = v.max
        if isinstance(v, validate.Length) and v.max is not None:
            attrs["maxlength"] = v.max
    if "maxLength" in f.metadata:
        attrs["maxlength"] = f.metadata["maxLength"]
    return attrs


def _choices(one_of: validate.OneOf) -> list[tuple[str, str]]:
    labels = list(one_of.labels) if one_of.labels else []
    return [(str(c), str(labels[i]) if i < len(labels) and labels[i] else str(c)) for i, c in enumerate(one_of.choices)]


def _key(name: str, f: fields.Field) -> str:
    return f.data_key or name


def describe(schema: Schema, values: Mapping | None, prefix: str = "config") -> list[FormField]:
    """The inputs for `schema`, filled with `values` (the current config, or what was sent back)."""
    values = values or {}
    out = []
    for name, f in schema.fields.items():
        if f.dump_only:
            continue
        key = _key(name, f)
        path = f"{prefix}.{key}" if prefix else key
        value = values.get(key) if isinstance(values, Mapping) else None
        label, required = label_of(name, f), bool(f.required)
        if isinstance(f, fields.Nested) and isinstance(f.schema, Schema) and not f.many:
            out.append(FormField(path, label, "group", children=describe(f.schema, value, path)))
        elif isinstance(f, fields.Boolean):
            out.append(FormField(path, label, "checkbox", bool(value)))
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.String):
            items = value if isinstance(value, list) else []
            one_of = _one_of(f.inner)
            if one_of is not None:
                out.append(FormField(path, label, "checks", [str(v) for v in items], required, _choices(one_of)))
            else:
                out.append(FormField(path, label, "lines", "\n".join(str(v) for v in items), required))
        elif isinstance(f, fields.String) and _one_of(f) is not None:
            out.append(FormField(path, label, "select", value, required, _choices(_one_of(f))))
        elif isinstance(f, fields.Integer | fields.Float | fields.Decimal):
            attrs = _range_attrs(f)
            attrs["step"] = 1 if isinstance(f, fields.Integer) else "any"
            out.append(FormField(path, label, "number", value, required, attrs=attrs))
        elif isinstance(f, fields.String | fields.Date | fields.DateTime | fields.Email | fields.URL):
            kind = "text"
            out.append(FormField(path, label, kind, value, required, attrs=_range_attrs(f)))
        else:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) if value is not None else ""
            out.append(FormField(path, label, "json", shown, required))
    return out


def read(schema: Schema, form: Mapping, prefix: str = "config") -> dict:
    """What the submitted `form` says for `schema`, as the schema loads it (the API's JSON shape).
    An empty input: None where the field allows it, else left out (its default applies, or the
    schema says it is required); an unchecked checkbox: false."""
    out: dict[str, Any] = {}
    for name, f in schema.fields.items():
        if f.dump_only:
            continue
        key = _key(name, f)
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(f, fields.Nested) and isinstance(f.schema, Schema) and not f.many:
            out[key] = read(f.schema, form, path)
            continue
        if isinstance(f, fields.Boolean):
            out[key] = (form.get(path) or "").lower() in TRUE
            continue
        if isinstance(f, fields.List) and isinstance(f.inner, fields.String):
            if _one_of(f.inner) is not None:
                out[key] = list(form.getlist(path)) if hasattr(form, "getlist") else list(form.get(path) or [])
            else:
                out[key] = [line.strip() for line in (form.get(path) or "").splitlines() if line.strip()]
            continue
        raw = form.get(path)
        if raw is None or raw.strip() == "":
            if f.allow_none:
                out[key] = None
            continue
        if not isinstance(f, fields.String | fields.Integer | fields.Float | fields.Decimal | fields.Date
                          | fields.DateTime):
            try:
                out[key] = json.loads(raw)
            except ValueError:
                out[key] = raw  # the schema says what is wrong with it
            continue
        out[key] = _number(f, raw.strip())
    return out


def _number(f: fields.Field, raw: str):
    """A number input's text as the JSON number the schema takes (the text itself when it is none:
    the schema then says what is wrong with it)."""
    try:
        if isinstance(f, fields.Integer):
            return int(raw)
        if isinstance(f, fields.Number):
            return float(raw)
    except ValueError:
        return raw
    return raw
