"""Languages: zh_CN first, English second.

Message ids in the code are English; `translations/zh_CN` holds the Chinese. The locale of a
request comes from `?lang=` or Accept-Language, falling back to zh_CN.

Marshmallow writes its validation messages in English with values already filled in
("Shorter than minimum length 2."). `translate_messages` maps them back to their template,
translates the template and fills the values in again, so every validation error reaches the
user in their language without patching marshmallow.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from flask import has_request_context, request, session
from flask_babel import Domain, force_locale, get_locale, gettext, lazy_gettext

LOCALES = ("zh_CN", "en")

_ = gettext
_l = lazy_gettext


class Message(str):
    """An English msgid of a catalog with its values, translated where a person reads it.

    It is a str (the English text, values filled in) so that it goes wherever a message goes
    (marshmallow errors, abort(), invalid()); `translate_message` and `show_note` translate it
    with its own catalog: `domain` None is the core's, else a plugin's (`translator`)."""

    msgid: str
    domain: str | None
    values: dict

    def __new__(cls, msgid: str, domain: str | None = None, **values):
        self = super().__new__(cls, msgid % values if values else msgid)
        self.msgid, self.domain, self.values = str(msgid), domain, values
        return self

    def translate(self) -> str:
        """The message in the current locale (English without an app context)."""
        if self.domain is None:
            return gettext(self.msgid, **self.values)
        domain = _DOMAINS.get(self.domain)
        if domain is None:  # the plugin is not installed (any more): its English msgid
            return str(self)
        return domain.gettext(self.msgid, **self.values)


def N_(message: str, **values) -> Message:
    """Mark an English msgid of the core (extracted by pybabel) and keep it untranslated: it is
    translated on the way out (error bodies) or where it is read (stored notes)."""
    return Message(message, None, **values)


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
    if "lang" in session:  # chosen at the console (console/layout.py) and kept in its session
        locale = _locale_for(session["lang"] or "")
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
    if isinstance(message, Message):
        return message.translate()
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


# --- plugins' catalogs --------------------------------------------------------------------------

_DOMAINS: dict[str, Domain] = {}


class Translator:
    """A plugin's catalog: `gettext` (alias `_`) translates now, in the current locale;
    `lazy` (alias `N_`) returns a `Message` of the plugin's domain, translated where it is shown.

        _, N_ = translator("care_visits")
    """

    def __init__(self, name: str, directory: Path):
        self.name, self.directory = name, Path(directory)
        self.domain = _DOMAINS[name] = Domain(translation_directories=[str(self.directory)], domain=name)

    def gettext(self, msgid: str, **values) -> str:
        return self.domain.gettext(msgid, **values)

    def ngettext(self, singular: str, plural: str, num: int, **values) -> str:
        return self.domain.ngettext(singular, plural, num, **values)

    def lazy(self, msgid: str, **values) -> Message:
        return Message(msgid, self.name, **values)

    def __iter__(self) -> Iterator:
        """`_, N_ = translator(name)`."""
        yield self.gettext
        yield self.lazy


def translator(name: str, directory: str | Path | None = None) -> Translator:
    """The catalog of the plugin `name`: `<directory>/<locale>/LC_MESSAGES/<name>.mo`, where
    `directory` defaults to `translations/` in the calling module's top-level package."""
    if directory is None:
        caller = inspect.currentframe().f_back.f_globals["__name__"]
        package = sys.modules[caller.split(".")[0]]
        directory = Path(package.__file__).parent / "translations"
    return Translator(name, directory)


def domain_gettext(name: str):
    """The `gettext` of the installed plugin `name`'s catalog (its English msgids unchanged when it
    has none): how the console's pages of a plugin translate its words."""
    domain = _DOMAINS.get(name)
    if domain is not None:
        return domain.gettext
    return lambda msgid, **values: msgid % values if values else msgid


def current_locale() -> str:
    """The reader's locale, one of LOCALES (zh_CN outside a request): hand it to a background
    job that writes something for them, which then runs `with use_locale(locale):`."""
    locale = get_locale()  # None outside an app context
    return "en" if locale is not None and locale.language == "en" else LOCALES[0]


@contextmanager
def use_locale(locale: str | None):
    """Translate in `locale` (one of LOCALES; anything else is zh_CN) inside the block."""
    with force_locale(locale if locale in LOCALES else LOCALES[0]):
        yield


# --- notes stored for later readers ------------------------------------------------------------

# A stored message starts with this character (ASCII record separator), then its JSON. A note a
# person types never starts with it (`store_note` removes it), so it cannot pose as one.
NOTE_MARK = "\x1e"


def store_note(note: str | None, max_length: int = 500) -> str | None:
    """What to store for a note: a `Message` as its msgid, catalog and values (rendered in the
    reader's language by `show_note`), a typed note as typed. The longest value is shortened
    ("…") when the whole would not fit `max_length`."""
    if note is None:
        return None
    if not isinstance(note, Message):
        return str(note).lstrip(NOTE_MARK)
    values = dict(note.values)
    while True:
        stored = NOTE_MARK + json.dumps({"d": note.domain, "m": note.msgid, "v": values}, ensure_ascii=False,
                                        separators=(",", ":"), default=str)  # a date: as its ISO text
        over = len(stored) - max_length
        longest = max((k for k, v in values.items() if isinstance(v, str)), key=lambda k: len(values[k]),
                      default=None)
        if over <= 0 or longest is None or len(values[longest]) <= 1:
            return stored[:max_length] if over > 0 else stored
        values[longest] = values[longest][: max(0, len(values[longest]) - over - 1)] + "…"


def show_note(stored: str | None) -> str | None:
    """A stored note for its reader: a stored message in the current locale, a typed note as typed."""
    if not stored or not stored.startswith(NOTE_MARK):
        return stored
    try:
        data = json.loads(stored[len(NOTE_MARK):])
        return Message(data["m"], data["d"], **data["v"]).translate()
    except (ValueError, KeyError, TypeError):  # damaged: show what is there rather than fail the read
        return stored[len(NOTE_MARK):]
