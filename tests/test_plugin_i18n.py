"""Plugin translations: each plugin's own catalog is complete and compiled, no hard-coded
"中文 / English" text is left where a person reads it, and messages — in error bodies and in ticket
history notes — follow the reader's language (core and plugins alike)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from wuye_core.i18n import N_, NOTE_MARK, Message, show_note, store_note, translator, use_locale

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ("care_visits", "red_property", "welfare_jobs", "volunteers", "fees")
CJK = re.compile(r"[\u4e00-\u9fff]")
CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]+")  # "、" for ", "
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _package(plugin: str) -> Path:
    return ROOT / "plugins" / plugin / f"wuye_{plugin}"


def _keywords(plugin: str) -> dict:
    """The keywords of the plugin's babel.cfg (what `pybabel extract -F babel.cfg` uses), every
    section's (its console templates' `t` among them)."""
    text = (ROOT / "plugins" / plugin / "babel.cfg").read_text(encoding="utf-8")
    words = [w for line in re.findall(r"^keywords\s*=\s*(.+)$", text, re.MULTILINE) for w in line.split()]
    return {**DEFAULT_KEYWORDS, **dict.fromkeys(words)}


def _extracted(plugin: str) -> set[str]:
    method_map = [(f"wuye_{plugin}/**.py", "python"), ("**/templates/**.html", "jinja2")]  # console pages (§3.2)
    found = extract_from_dir(str(ROOT / "plugins" / plugin), method_map, {}, keywords=_keywords(plugin))
    return {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in found}


def _chinese_layout(text: str) -> bool:
    """A translation that only lays its values out the Chinese way: "%(n)s、%(title)s" for
    "%(n)s. %(title)s", "%(a)s%(b)s" for "%(a)s: %(b)s" (placeholders, then CJK punctuation or nothing)."""
    rest = PLACEHOLDER.sub("", text)
    return rest != text and (not rest or bool(CJK_PUNCTUATION.fullmatch(rest))) or bool(CJK_PUNCTUATION.fullmatch(text))


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_mo(f) if path.suffix == ".mo" else read_po(f, locale="zh_CN" if path.suffix == ".po" else None)


def _files(plugin: str, suffix: str) -> Path:
    translations = _package(plugin) / "translations"
    if suffix == ".pot":
        return translations / f"{plugin}.pot"
    return translations / "zh_Hans_CN" / "LC_MESSAGES" / f"{plugin}{suffix}"


def _hint(plugin: str) -> str:
    return f"in plugins/{plugin}: see the commands at the top of babel.cfg (extract, update, translate, compile)"


# --- the catalogs ------------------------------------------------------------------------------


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_message_of_the_plugin_has_a_chinese_translation(plugin):
    msgids = _extracted(plugin)
    assert len(msgids) > 20, "the extraction found the plugin's messages"
    catalog = _catalog(_files(plugin, ".po"))
    problems = []
    for msgid in sorted(msgids):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"{msgid!r}: no translation")
        elif not CJK.search(entry.string) and not _chinese_layout(entry.string):
            problems.append(f"{msgid!r}: {entry.string!r} is not Chinese")
        elif sorted(PLACEHOLDER.findall(entry.string)) != sorted(PLACEHOLDER.findall(msgid)):
            problems.append(f"{msgid!r}: placeholders differ in {entry.string!r}")
    assert not problems, _hint(plugin) + "\n" + "\n".join(problems)
    assert not catalog.obsolete, f"obsolete entries: {list(catalog.obsolete)}"


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_template_is_up_to_date(plugin):
    template = {m.id for m in _catalog(_files(plugin, ".pot")) if m.id}
    assert template == _extracted(plugin), _hint(plugin)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_committed_mo_is_compiled_from_the_po(plugin):
    """The .mo is what runs (and ships in the package): it must say what the .po says."""
    po = {m.id: m.string for m in _catalog(_files(plugin, ".po")) if m.id and m.string and not m.fuzzy}
    mo = {m.id: m.string for m in _catalog(_files(plugin, ".mo")) if m.id}
    assert mo == po, f"{plugin}.mo is stale: pybabel compile -d wuye_{plugin}/translations -D {plugin}"


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_catalog_ships_in_the_package(plugin):
    pyproject = (ROOT / "plugins" / plugin / "pyproject.toml").read_text(encoding="utf-8")
    assert "translations/*/LC_MESSAGES/*.mo" in pyproject
    if (_package(plugin) / "templates").is_dir():  # its console pages
        assert "templates/**/*.html" in pyproject


# --- no text for people hard-coded in a language ------------------------------------------------

# Where Chinese may stay in a plugin's source, and why.
ALLOWED_CALLS = {
    # values with a _zh and an _en field of their own (or a unit the core's type has no English for)
    "PluginInfo", "Role", "Figure", "ReportSection", "Link",
    "PersonalDataSection",  # a resident's copy: title_zh/title_en and each field's (zh, en) label
    # API documentation (OpenAPI), bilingual by convention, not a reader's message
    "Blueprint", "label", "_codes", "doc",
}
ALLOWED_KEYWORDS = {
    "description", "metadata", "help", "descriptions",  # API and command documentation (a Sort's too)
    "title_zh", "label_zh",
    "load_default",  # a stored default the community changes in its config (a title, a category)
}
# they fill `kind_zh` / `label_zh` fields; a PersonalDataSection's (zh, en) field labels; the codes
# of welfare_jobs' monthly attendance sheet (√ 休 缺 病…: the sheet's own notation, read and written
# as such) and an API description; names of organisations and teams, which are Chinese proper nouns
# stored as data (公益岗·<小区>·保洁, 海景北社区居民服务联盟) and the name an erased record keeps
ALLOWED_NAMES = {"SITE_KIND_ZH", "STATUS_ZH", "VISIT_FIELDS", "CODES", "ALIASES", "LEGEND", "KIND_DOC",
                 "ERASED_NAME", "TEAM_PREFIX_ZH", "ALLIANCE_SUFFIX_ZH", "ISSUER_SUFFIX_ZH"}
ALLOWED_VALUES = {"其他"}  # the default ticket category: a community's categories are its own words (data)
SKIPPED = {"demo.py"}  # demo data is Chinese content, like what people type


def _allowed_name(name: str | None) -> bool:
    """A constant named for what it holds: API documentation (`…_DOC`), Chinese that is data in
    every language — proper nouns, a document number's format, words a sheet's cells say (`…_ZH`)."""
    return bool(name) and (name in ALLOWED_NAMES or name.endswith(("_DOC", "_ZH")))


def _allowed_nodes(tree: ast.AST) -> set[int]:
    allowed: set[int] = set()

    def cover(node):
        allowed.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                cover(first)  # docstring
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ALLOWED_CALLS:
                cover(node)
            for keyword in node.keywords:
                if keyword.arg in ALLOWED_KEYWORDS:
                    cover(keyword.value)
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("label_zh", "description"):
                    cover(value)
        if isinstance(node, ast.Assign) and any(_allowed_name(getattr(t, "id", None)) for t in node.targets):
            cover(node)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and any(
                _allowed_name(getattr(t, "id", None))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                + [e for t in (node.targets if isinstance(node, ast.Assign) else []) if isinstance(t, ast.Tuple)
                   for e in t.elts]):
            cover(node)
    return allowed


def hard_coded_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each Chinese string literal outside the allowed places."""
    tree = ast.parse(source)
    allowed = _allowed_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
            if id(node) not in allowed and node.value not in ALLOWED_VALUES:
                found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("plugin", PLUGINS)
def test_no_hard_coded_chinese_where_people_read_it(plugin):
    package = _package(plugin)
    problems = []
    for path in sorted(package.rglob("*.py")):
        if path.name in SKIPPED or "migrations" in path.parts:
            continue
        for line, text in hard_coded_text(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert not problems, "write an English msgid with _() or N_() and translate it in the catalog:\n" + "\n".join(
        problems)


def test_the_check_finds_the_old_pattern_and_spares_documentation():
    source = '''
"""关爱 / care: a docstring."""
from x import Blueprint, invalid, label
blp = Blueprint("x", __name__, description="走访 / visits")
class S:
    when = fields.Date(metadata=label("日期", "date"))
def view():
    """列表 / a list"""
    invalid("file", "照片过大 / the photo is too large")
    abort(409, message="会议已取消 / the meeting was cancelled")
    sheet.append(["档案号", "姓名"])
    note = f"决议#{id}已办结：{text}"
'''
    found = {text for _line, text in hard_coded_text(source)}
    assert found == {"照片过大 / the photo is too large", "会议已取消 / the meeting was cancelled", "档案号", "姓名",
                     "决议#", "已办结："}


# --- messages of a plugin's domain, and notes stored for later readers ---------------------------


@pytest.fixture
def demo_domain(tmp_path):
    """A catalog `demo_i18n` with one message, compiled like a plugin's."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="zh_Hans_CN", domain="demo_i18n")
    catalog.add("Meeting #%(id)s was held.", "第 %(id)s 次会议已召开。")
    directory = tmp_path / "zh_Hans_CN" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    with (directory / "demo_i18n.mo").open("wb") as f:
        write_mo(f, catalog)
    return translator("demo_i18n", tmp_path)


def test_a_plugin_message_is_translated_with_its_own_catalog(wuye_app, demo_domain):
    _, N_plugin = demo_domain
    message = N_plugin("Meeting #%(id)s was held.", id=3)
    assert message == "Meeting #3 was held." and message.domain == "demo_i18n"  # a str: English
    with wuye_app.test_request_context("/"):
        assert message.translate() == "第 3 次会议已召开。"
        assert _("Meeting #%(id)s was held.", id=4) == "第 4 次会议已召开。"
        with use_locale("en"):
            assert _("Meeting #%(id)s was held.", id=4) == "Meeting #4 was held."
    with wuye_app.test_request_context("/?lang=en"):
        assert message.translate() == "Meeting #3 was held."
        with use_locale("zh_CN"):
            assert message.translate() == "第 3 次会议已召开。"
    # the core's catalog does not know the plugin's message, and the plugin's not the core's
    with wuye_app.test_request_context("/"):
        from wuye_core.i18n import translate_message

        assert translate_message(Message("Meeting #%(id)s was held.", None, id=3)) == "Meeting #3 was held."
        assert translate_message(N_("Not found.")) == "请求的内容不存在。"


def test_a_stored_note_is_shown_in_each_readers_language(wuye_app, demo_domain):
    _, N_plugin = demo_domain
    stored = store_note(N_plugin("Meeting #%(id)s was held.", id=3))
    assert stored.startswith(NOTE_MARK) and "Meeting #%(id)s was held." in stored
    with wuye_app.test_request_context("/"):
        assert show_note(stored) == "第 3 次会议已召开。"
    with wuye_app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert show_note(stored) == "Meeting #3 was held."
    # a plugin that is gone: its English text, not an error
    gone = store_note(Message("Meeting #%(id)s was held.", "uninstalled_plugin", id=3))
    with wuye_app.test_request_context("/"):
        assert show_note(gone) == "Meeting #3 was held."


def test_a_typed_note_stays_as_typed_and_cannot_pose_as_a_stored_message():
    assert store_note("水管已更换") == "水管已更换" and show_note("水管已更换") == "水管已更换"
    assert store_note(None) is None and show_note(None) is None
    forged = NOTE_MARK + '{"d":null,"m":"Not found.","v":{}}'
    assert store_note(forged) == forged[1:]  # the mark is removed: shown as the text it is
    assert show_note(store_note(forged)) == forged[1:]


def test_a_long_value_is_shortened_to_fit_the_column():
    stored = store_note(N_("Closed: %(text)s", text="很长的决议内容" * 200), max_length=500)
    assert len(stored) <= 500 and stored.startswith(NOTE_MARK)
    shown = show_note(stored)
    assert shown.startswith("Closed: 很长的决议内容") and shown.endswith("…")


def test_the_cores_own_history_note_follows_the_reader(wuye_make_tenant, wuye_register):
    """rate() closes the ticket with a note of the system: stored as a message, shown per reader."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = t.admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                                   "channel": "phone", "kind": "repair", "category": "保洁",
                                                   "title": "灯坏了"}).get_json()
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    for body in ({"action": "accept"}, {"action": "dispatch", "assignee_id": users["admin"]}, {"action": "arrive"},
                 {"action": "resolve", "note": "换了灯泡"}):
        assert t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json=body).status_code == 200
    assert t.admin.put(f"/api/v1/tickets/{ticket['id']}/rating", json={"rating": 5}).status_code == 200
    history = f"/api/v1/tickets/{ticket['id']}/transitions"
    zh = [(h["action"], h["note"]) for h in t.admin.get(history + "?sort=id").get_json()["items"]][-3:]
    en = [(h["action"], h["note"]) for h in t.admin.get(history + "?sort=id&lang=en").get_json()["items"]][-3:]
    assert zh == [("resolve", "换了灯泡"), ("rate", None), ("close", "回访完成")]
    assert en == [("resolve", "换了灯泡"), ("rate", None), ("close", "Closed after the return visit (rated).")]
