"""Languages: zh_CN first, English second.

Message ids in the code are English; `translations/zh_CN` holds the Chinese. The locale of a
request comes from `?lang=` or Accept-Language, falling back to zh_CN.

Marshmallow writes its validation messages in English with values already filled in
("Shorter than minimum length 2."). `translate_messages` maps them back to their template,
translates the template and fills the values in again, so every validation error reaches the
user in their language without patching marshmallow.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import has_request_context, request
from flask_babel import gettext, lazy_gettext

LOCALES = ("zh_CN", "en")

_ = gettext
_l = lazy_gettext


def N_(message: str) -> str:
    """Mark an English msgid for extraction without translating it (it is translated on the way out)."""
    return message


# Our locale for each language (the primary subtag of a language tag): zh, zh-CN, zh_TW → zh_CN.
_LANGUAGES = {"zh": "zh_CN", "en": "en"}


def _locale_for(tag: str) -> str | None:
    return _LANGUAGES.get(tag.replace("_", "-").split("-", 1)[0].strip().lower())


def select_locale() -> str:
    """`?lang=` if it names a language we have, else the client's most preferred language we
    have (Accept-Language), else zh_CN."""
    if not has_request_context():
        return LOCALES[0]
    locale = _locale_for(request.args.get("lang") or "")
    if locale:
        return locale
    for tag, quality in request.accept_languages:  # sorted by preference
        locale = _locale_for(tag) if quality > 0 else None
        if locale:
            return locale
    return LOCALES[0]


# A str.format placeholder, optionally with a conversion: {max}, {input!r}.
_PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?\}")


@lru_cache(maxsize=1)
def _marshmallow_templates() -> list[tuple[re.Pattern, str]]:
    """Every message template marshmallow can produce, as (regex, template)."""
    import inspect

    from marshmallow import fields, validate

    templates: set[str] = set()
    for _name, cls in inspect.getmembers(fields, inspect.isclass):
        templates.update(v for v in getattr(cls, "default_error_messages", {}).values() if isinstance(v, str))
    for _name, cls in inspect.getmembers(validate, inspect.isclass):
        for attr, value in vars(cls).items():
            if (attr.startswith("message") or attr == "default_message" or attr == "error") and isinstance(
                value, str
            ):
                templates.add(value)
    from marshmallow import schema

    templates.update(
        v for v in getattr(schema.Schema, "_default_error_messages", {}).values() if isinstance(v, str)
    )
    # Range builds its message in two steps ("Must be {min_op} {{min}}."): expand the operators.
    ops_min = ("greater than", "greater than or equal to")
    ops_max = ("less than", "less than or equal to")
    for template in [t for t in templates if "_op}" in t]:
        templates.discard(template)
        for lo in ops_min:
            for hi in ops_max:
                templates.add(template.format(min_op=lo, max_op=hi))
    compiled = []
    # Most literal text first: "Must be greater than {min}." would also match the message of
    # "Must be greater than or equal to {min} and less than or equal to {max}.".
    for template in sorted(templates, key=lambda t: (-len(_PLACEHOLDER.sub("", t)), t)):
        if "{" not in template:
            continue
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{(\w+)(?:![rsa])?\\\}", lambda m: f"(?P<{m.group(1)}>.+?)", pattern)
        try:
            compiled.append((re.compile(f"^{pattern}$"), template))
        except re.error:  # a placeholder used twice: not translatable this way, leave it
            continue
    return compiled


def translate_message(message: str) -> str:
    translated = gettext(message)
    if translated != message:
        return translated
    for regex, template in _marshmallow_templates():
        match = regex.match(message)
        if match:
            localized = gettext(template)
            if localized != template:
                # The values were matched already converted ("{input!r}"): do not convert them twice.
                return _PLACEHOLDER.sub(r"{\1}", localized).format(**match.groupdict())
    return message


def translate_messages(messages):
    """Translate a marshmallow error structure (dicts and lists of strings), keeping its shape."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str):
        return translate_message(messages)
    return messages
