"""Languages: every message a person can see has a Chinese translation, and requests get it.

zh_CN is the default; English (the msgids) on `Accept-Language: en` or `?lang=en`.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from wuye_core.i18n import _marshmallow_templates, select_locale, translate_message

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "wuye_core" / "translations"
# The zh_CN catalog lives under Babel's name for zh_CN: flask-babel parses the locale "zh_CN" to
# Locale("zh", "CN", script="Hans") and looks for zh_Hans_CN/ (then zh/), never for zh_CN/.
CATALOG_DIR = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"
PO = CATALOG_DIR / "messages.po"
MO = CATALOG_DIR / "messages.mo"
POT = TRANSLATIONS / "messages.pot"
# The same keywords as babel.cfg (and the -k options in its usage note).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "_l": None, "gettext": None, "lazy_gettext": None, "N_": None}

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")

UPDATE_HINT = (
    "run: pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --project=wuye --version=0.1.0"
    " -o wuye_core/translations/messages.pot . && pybabel update -i wuye_core/translations/messages.pot"
    " -d wuye_core/translations --no-fuzzy-matching, translate,"
    " then pybabel compile -d wuye_core/translations"
)


def _read_po(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="zh_CN" if path.suffix == ".po" else None)


@pytest.fixture(scope="module")
def catalog():
    return _read_po(PO)


def _extracted_msgids() -> set[str]:
    method_map = [("wuye_core/**.py", "python"), ("wuye_core/console/templates/**.html", "jinja2"),
                  ("wuye_core/h5/templates/**.html", "jinja2")]  # babel.cfg's
    msgids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, {}, keywords=KEYWORDS
    ):
        msgids.add(message if isinstance(message, str) else message[0])
    return msgids


def _marshmallow_messages() -> set[str]:
    """Every message marshmallow can produce, with or without placeholders."""
    from marshmallow import fields, schema, validate

    messages: set[str] = set()
    for _name, cls in inspect.getmembers(fields, inspect.isclass):
        errors = {k: v for k, v in getattr(cls, "default_error_messages", {}).items() if isinstance(v, str)}
        messages.update(errors.values())
        # Date/time fields fill their type in; those messages are translated whole.
        obj_type = getattr(cls, "OBJ_TYPE", None)
        if obj_type and "{obj_type}" in errors.get("invalid", ""):
            messages.add(errors["invalid"].format(obj_type=obj_type))
        if obj_type and getattr(cls, "AWARENESS", None) and "invalid_awareness" in errors:
            messages.add(errors["invalid_awareness"].format(awareness=cls.AWARENESS, obj_type=obj_type))
    for _name, cls in inspect.getmembers(validate, inspect.isclass):
        if cls is validate.Range:
            continue
        for attr, value in vars(cls).items():
            is_message = attr.startswith("message") or attr in ("default_message", "error")
            if is_message and isinstance(value, str):
                messages.add(value)
    messages.update(v for v in schema.Schema._default_error_messages.values() if isinstance(v, str))
    # Range: "Must be {min_op} {{min}}." with each operator (never shown alone).
    r = validate.Range
    for lo in (r.message_gt, r.message_gte):
        messages.add(r.message_min.format(min_op=lo))
        for hi in (r.message_lt, r.message_lte):
            messages.add(r.message_all.format(min_op=lo, max_op=hi))
    for hi in (r.message_lt, r.message_lte):
        messages.add(r.message_max.format(max_op=hi))
    return messages


# --- the catalog -------------------------------------------------------------------------------


def test_mo_is_compiled_from_the_po(catalog):
    with MO.open("rb") as f:
        compiled = read_mo(f)
    po = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    mo = {m.id: m.string for m in compiled if m.id}
    assert mo == po, "messages.mo is stale: run pybabel compile -d wuye_core/translations"


def test_pot_is_up_to_date():
    template = {m.id for m in _read_po(POT) if m.id}
    assert template == _extracted_msgids(), UPDATE_HINT


def _check_entry(catalog, msgid: str) -> str | None:
    entry = catalog.get(msgid)
    if entry is None or not entry.string:
        return f"{msgid!r}: no translation"
    if entry.fuzzy:
        return f"{msgid!r}: fuzzy"
    if sorted(PLACEHOLDER.findall(entry.string)) != sorted(PLACEHOLDER.findall(msgid)):
        return f"{msgid!r}: placeholders differ in {entry.string!r}"
    if not CJK.search(entry.string):
        return f"{msgid!r}: {entry.string!r} is not Chinese"
    return None


def test_every_message_of_the_code_is_translated(catalog):
    msgids = _extracted_msgids()
    assert len(msgids) > 30  # the extraction found the code
    problems = [p for p in (_check_entry(catalog, m) for m in sorted(msgids)) if p]
    assert not problems, UPDATE_HINT + "\n" + "\n".join(problems)


def test_every_marshmallow_message_is_translated(catalog):
    templates = {template for _regex, template in _marshmallow_templates()}
    assert "Shorter than minimum length {min}." in templates
    messages = templates | _marshmallow_messages()
    assert {"Missing data for required field.", "Unknown field.", "Not a valid integer."} <= messages
    problems = [p for p in (_check_entry(catalog, m) for m in sorted(messages)) if p]
    assert not problems, (
        "marshmallow messages missing from wuye_core/translations/library_messages.py or the .po:\n"
        + "\n".join(problems)
    )


def test_no_fuzzy_or_obsolete_entries(catalog):
    assert not catalog.fuzzy
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    assert not catalog.obsolete, f"obsolete entries in messages.po: {list(catalog.obsolete)}"


def test_flask_babel_finds_the_chinese_catalog(wuye_app):
    from flask_babel import get_locale, get_translations

    with wuye_app.test_request_context("/"):
        assert str(get_locale()) == "zh_Hans_CN"
        assert get_translations().gettext("Unknown field.") == "未知字段。", (
            f"no catalog found for {get_locale()!s} in {TRANSLATIONS}"
        )


# --- choosing the language ---------------------------------------------------------------------

_bare = Flask(__name__)


@pytest.mark.parametrize(
    ("accept_language", "query", "expected"),
    [
        (None, "", "zh_CN"),
        ("en", "", "en"),
        ("en-US,en;q=0.9", "", "en"),
        ("EN-gb", "", "en"),
        ("zh-CN,zh;q=0.9", "", "zh_CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "", "zh_CN"),
        ("zh", "", "zh_CN"),
        ("zh-TW", "", "zh_CN"),
        ("fr", "", "zh_CN"),
        ("fr,en;q=0.5", "", "en"),
        ("en;q=0.5,zh;q=0.9", "", "zh_CN"),
        ("en;q=0", "", "zh_CN"),
        ("*", "", "zh_CN"),
        (None, "lang=en", "en"),
        ("zh-CN", "lang=en", "en"),
        ("en", "lang=zh_CN", "zh_CN"),
        ("en", "lang=zh", "zh_CN"),
        ("en", "lang=fr", "en"),
        ("zh", "lang=", "zh_CN"),
    ],
)
def test_select_locale(accept_language, query, expected):
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    with _bare.test_request_context(f"/?{query}", headers=headers):
        assert select_locale() == expected


def test_select_locale_outside_a_request():
    assert select_locale() == "zh_CN"


# --- translating marshmallow's messages --------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Missing data for required field.", "缺少必填字段。"),
        ("Shorter than minimum length 1.", "长度不能少于 1。"),
        ("Longer than maximum length 20.", "长度不能超过 20。"),
        # Several Range templates match this text; the most specific one must win.
        ("Must be greater than or equal to 1 and less than or equal to 2147483647.",
         "必须在 1 到 2147483647 之间。"),
        ("Must be greater than or equal to 1.", "不能小于 1。"),
        ("Must be one of: compound, village.", "必须是以下之一：compound, village。"),
        ("'abc' cannot be formatted as a timedelta.", "'abc' 无法格式化为时间段。"),
        ("Not a valid datetime.", "不是有效的日期时间。"),
        ("Not a valid phone number.", "不是有效的电话号码。"),
        ("Something we never translated.", "Something we never translated."),
    ],
)
def test_translate_message(wuye_app, english, chinese):
    with wuye_app.test_request_context("/"):
        assert translate_message(english) == chinese
    with wuye_app.test_request_context("/?lang=en"):
        assert translate_message(english) == english


def test_real_marshmallow_errors_are_translated(wuye_app):
    from marshmallow import RAISE, Schema, fields, validate

    class Probe(Schema):
        class Meta:
            unknown = RAISE

        text = fields.String(required=True, validate=validate.Length(min=2, max=3))
        number = fields.Integer(validate=validate.Range(min=1, max=5, max_inclusive=False))
        low = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
        choice = fields.String(validate=validate.OneOf(["a", "b"]))
        when = fields.DateTime()
        day = fields.Date()
        flag = fields.Boolean()
        items = fields.List(fields.Integer())
        mapping = fields.Dict()
        nothing = fields.String(allow_none=False)

    bad = [
        {},
        {"text": "x", "number": 5, "low": 0, "choice": "c", "when": "nope", "day": "nope", "flag": "x",
         "items": "x", "mapping": [], "nothing": None, "extra": 1},
        {"text": "xxxx", "number": "x", "low": "nan", "items": ["x"]},
        [],
    ]
    with wuye_app.test_request_context("/"):
        for data in bad:
            messages = list(_leaves(Probe().validate(data)))
            assert messages
            for message in messages:
                assert CJK.search(translate_message(message)), message


def _leaves(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _leaves(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _leaves(value)
    else:
        yield errors


# --- through the HTTP API ----------------------------------------------------------------------

BAD_SITE = {"community_id": 1, "name": "", "kind": "nope", "bogus": 1}


def _assert_chinese_422(body):
    errors = body["errors"]["json"]
    assert {"name", "kind", "bogus"} <= set(errors), body
    assert CJK.search(body["message"]), body
    for field in ("name", "kind", "bogus"):
        for message in errors[field]:
            assert CJK.search(message), (field, message)
    return errors


def test_validation_errors_are_chinese_by_default(wuye_make_tenant):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites", json=BAD_SITE)
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    errors = _assert_chinese_422(body)
    assert body["message"] == "请求数据有误。"
    assert errors["bogus"] == ["未知字段。"]
    assert errors["name"] == ["长度必须在 1 到 100 之间。"]
    assert errors["kind"][0].startswith("必须是以下之一：")
    assert "{" not in errors["kind"][0] and "compound" in errors["kind"][0]


def test_chinese_accept_language_gives_chinese(wuye_make_tenant):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites", json=BAD_SITE, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 422
    _assert_chinese_422(r.get_json())


def _assert_english_422(body):
    errors = body["errors"]["json"]
    assert {"name", "kind", "bogus"} <= set(errors), body
    assert body["message"] == "The request data is invalid."
    assert errors["bogus"] == ["Unknown field."]
    assert errors["name"] == ["Length must be between 1 and 100."]
    assert errors["kind"][0].startswith("Must be one of: ")
    for messages in errors.values():
        for message in messages:
            assert not CJK.search(message), message


@pytest.mark.parametrize("accept_language", ["en", "en-US,en;q=0.9"])
def test_english_with_accept_language(wuye_make_tenant, accept_language):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites", json=BAD_SITE, headers={"Accept-Language": accept_language})
    assert r.status_code == 422
    _assert_english_422(r.get_json())


def test_english_with_lang_parameter(wuye_make_tenant):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites?lang=en", json=BAD_SITE, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422
    _assert_english_422(r.get_json())


def test_range_error_is_the_specific_message(wuye_make_tenant):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites", json={**BAD_SITE, "community_id": 0})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["community_id"] == ["必须在 1 到 2147483647 之间。"]


def test_app_messages_are_translated(wuye_make_tenant):
    """Messages of our own (N_ msgids) are translated on the way out, in `message` and in `errors`."""
    tenant = wuye_make_tenant("a")
    r = tenant.admin.post("/api/v1/sites", json={"community_id": 999, "name": "x", "kind": "compound"})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["community_id"] == ["不存在。"]
    r = tenant.admin.post("/api/v1/users", json={"username": "admin", "password": "password-123",
                                                  "roles": [{"role": "tenant_admin"}]})
    assert r.status_code == 409
    assert r.get_json()["message"] == "该用户名已被占用。"
    assert r.get_json()["errors"]["json"]["username"] == ["已存在。"]
    r = tenant.admin.post("/api/v1/users?lang=en", json={"username": "admin", "password": "password-123",
                                                          "roles": [{"role": "tenant_admin"}]})
    assert r.get_json()["message"] == "This username is taken."


def test_unauthenticated_is_chinese_by_default(wuye_app):
    client = wuye_app.test_client()
    r = client.get("/api/v1/sites")
    assert r.status_code == 401
    body = r.get_json()
    assert CJK.search(body["message"]), body
    r = client.get("/api/v1/sites", headers={"Accept-Language": "en"})
    assert r.status_code == 401
    assert r.get_json()["message"] == "Authentication is required."


def test_wrong_password_is_chinese(wuye_app, wuye_make_tenant):
    wuye_make_tenant("a")
    r = wuye_app.test_client().post("/api/v1/auth/token",
                               json={"tenant": "a", "username": "admin", "password": "nope"})
    assert r.status_code == 401
    assert r.get_json()["message"] == "租户、用户名或密码错误。"


def test_invalid_json_body_is_chinese(wuye_make_tenant):
    tenant = wuye_make_tenant("a")
    r = tenant.admin.client.post("/api/v1/sites", data="{not json", content_type="application/json",
                                 headers={"Authorization": f"Bearer {tenant.admin.token}"})
    assert r.status_code == 400
    body = r.get_json()
    assert body["message"] == "请求格式有误。"
    assert body["errors"]["json"] == ["请求体不是有效的 JSON。"]


def test_unknown_route_is_chinese(wuye_app):
    r = wuye_app.test_client().get("/api/v1/no-such-thing")
    assert r.status_code in (401, 404)
    assert CJK.search(r.get_json()["message"])
