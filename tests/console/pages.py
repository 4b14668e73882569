"""Every page of the console, found in the app's url_map (the core's and the plugins'), and what
each must show: shared by test_console_isolation.py, test_console_pages.py and
bench/console_pages.py, so a page added tomorrow is covered without anyone listing it.

A page's path parameters are filled from a dict of ids by the parameter's name: `ticket_id` →
`ids["ticket"]`; on a plugin's page `ids["<plugin>:<kind>"]` first (plugins may both have a
`visit_id`). A parameter this module cannot place fails the test that asks, naming the page:
its author adds the name to ALIASES (or the object to the tests' ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

PREFIX = "/console"
PLUGIN_PAGE = re.compile(r"^/console/plugins/(\w+)/")

# parameter names that are not `<kind>_id`: name → the ids' key
ALIASES = {
    "id": None,  # ambiguous: name the object (`ticket_id`, `meeting_id` …)
    "plugin": "plugin_name",
    "name": "plugin_name",
}

# ids of objects only forms name (POST-only pages: no GET test opens them; the test without a
# session needs a number): kind → a placeholder id
FORM_ONLY_IDS = {
    "link": 1,  # /console/links/<link_id>/<action>: the service links' forms (console/links.py)
    "handoff": 1,  # /console/handoffs/<handoff_id>/return: handing back, a form on the ticket's page
}

# endpoints that need a query string to answer (a page should not, but a download may)
QUERY: dict[str, dict] = {
    "console.window_households": {"q": "101"},  # the one-stop window's picker: room 101 of the site below
    "console_welfare_jobs.subsidies_roster": {"month": "2025-11"},  # the month A computed (test_isolation)
}

# endpoints whose query string names an object by kind: endpoint → (argument, {page's item kind: the
# object's kind}); the register's "new" pages take the parent (`?parent=<the site's id>` for a building)
QUERY_IDS: dict[str, tuple[str, dict]] = {
    "console.register_new": ("parent", {"site": "community", "building": "site", "unit": "building",
                                        "household": "unit", "resident": "household"}),
    "console.download_report": ("community_id", {None: "community"}),  # a form's target: which community
    "console.window_households": ("site_id", {None: "site"}),  # the households of A's site (wuye_register's room 101)
}

# endpoints no test requests, with the reason (kept short and honest)
SKIP: dict[str, str] = {}


@dataclass(frozen=True)
class Page:
    rule: str
    endpoint: str
    methods: frozenset
    arguments: frozenset
    plugin: str | None
    item: str | None = None  # the kind `item_id` names on a page of several kinds (`<any(sites, …):level>`)

    @property
    def is_get(self) -> bool:
        return "GET" in self.methods


_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


def console_rules(app) -> list[Page]:
    """Every rule under /console (core and plugins) except the static files, sorted by path. A
    rule for several kinds (`/register/<any(sites, buildings):level>/<int:item_id>/edit`) is one
    page per kind, its `item_id` the id of that kind (sites → site)."""
    pages = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/")) or rule.endpoint.endswith(".static"):
            continue
        plugin = PLUGIN_PAGE.match(rule.rule)
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        plugin_name = plugin.group(1) if plugin else None
        kinds = _ANY.search(rule.rule)
        if kinds is None:
            pages.append(Page(rule.rule, rule.endpoint, methods, frozenset(rule.arguments), plugin_name))
            continue
        for option in (o.strip().strip("'\"") for o in kinds.group(1).split(",")):
            pages.append(Page(rule.rule.replace(kinds.group(0), option), rule.endpoint, methods,
                              frozenset(rule.arguments - {kinds.group(2)}), plugin_name, option.removesuffix("s")))
    return sorted(pages, key=lambda p: (p.rule, p.endpoint))


def get_pages(app) -> list[Page]:
    return [p for p in console_rules(app) if p.is_get and p.endpoint not in SKIP]


class UnknownParameter(LookupError):
    pass


def key_for(page: Page, name: str, ids: dict) -> str:
    if name == "item_id" and page.item is not None and page.item in ids:
        return page.item
    kind = ALIASES.get(name, name.removesuffix("_id")) if name in ALIASES else name.removesuffix("_id")
    if kind is None:
        raise UnknownParameter(f"console page {page.rule} ({page.endpoint}): path parameter {name!r} is ambiguous; "
                               f"name it after its object (ticket_id, meeting_id …)")
    if page.plugin and f"{page.plugin}:{kind}" in ids:
        return f"{page.plugin}:{kind}"
    if kind not in ids:
        raise UnknownParameter(
            f"console page {page.rule} ({page.endpoint}): no id for path parameter {name!r}. The page's author: "
            f"add it to tests/console/pages.py ALIASES, or make one such object in "
            f"tests/console/test_console_isolation.py a_ids() (and bench/console_pages.py LISTS)")
    return kind


def fill(page: Page, ids: dict) -> str:
    """The page's path with the ids put in (UnknownParameter for a name not in the ids)."""
    path = page.rule
    if not page.is_get:
        ids = {**FORM_ONLY_IDS, **ids}
    for name in sorted(page.arguments):
        path = re.sub(rf"<(?:[\w()=,'\" ]+:)?{name}>", str(ids[key_for(page, name, ids)]), path)
    return path


def query_for(page: Page, ids: dict | None = None) -> dict:
    query = dict(QUERY.get(page.endpoint, {}))
    if page.endpoint in QUERY_IDS and ids is not None:
        argument, kinds = QUERY_IDS[page.endpoint]
        query[argument] = ids[kinds[page.item]]
    return query


def text_of(response) -> str:
    """What a person could read in an answer: a page's text, a spreadsheet's cells (a download
    must not leak either), anything else as bytes decoded leniently."""
    data = response.get_data()
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return data.decode("utf-8", errors="replace")


# --- what a page must show ---------------------------------------------------------------------

# words of the base layout and the common buttons: on a zh_CN page they must be translated
ENGLISH_WORDS = ("Skip to content", "Main menu", "Menu", "Sign out", "Password", "Notifications", "Language",
                 "Property services", "unread", "Home", "Tickets", "Register", "Settings", "Downloads",
                 "Save", "Cancel", "Search", "Submit", "Previous", "Next", "Delete", "Edit", "Export",
                 "Sign in", "Username", "Tenant")
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")\b")
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-label")  # data-label: a column heading on a phone
FIELDS = ("input", "select", "textarea")
NO_LABEL_TYPES = {"hidden", "submit", "button", "reset", "image"}
REFERENCES = ("for", "aria-describedby", "aria-labelledby", "aria-controls")  # attributes that name ids
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class PageFacts(HTMLParser):
    """What html.parser (stdlib) sees in a page: enough for the checks below."""

    lang: str | None = None
    h1: int = 0
    title: str = ""
    fields: list = field(default_factory=list)  # (tag, attrs, inside a <label>)
    label_for: set = field(default_factory=set)
    ids: set = field(default_factory=set)
    inline_scripts: int = 0
    styled: list = field(default_factory=list)
    handlers: list = field(default_factory=list)
    english: list = field(default_factory=list)
    doctype: bool = False
    duplicate_ids: list = field(default_factory=list)
    references: list = field(default_factory=list)  # (tag, attribute, id) of label for=, aria-describedby …
    described: set = field(default_factory=set)  # the ids aria-describedby names
    roles: list = field(default_factory=list)  # (tag, classes, role, aria-invalid, aria-describedby, id, in a form)

    def __post_init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self._stack: list[tuple[str, bool]] = []  # (tag, English on purpose: lang="en")
        self._in_title = self._in_script = False
        self._labels = 0

    @property
    def _english_ok(self) -> bool:
        return any(en for _, en in self._stack)

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self._in_title = True
        if tag == "script":
            self._in_script = True
            if not a.get("src"):
                self.inline_scripts += 1
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if a.get("id"):
            if a["id"] in self.ids:
                self.duplicate_ids.append(a["id"])
            self.ids.add(a["id"])
        for name in REFERENCES:
            for ref in (a.get(name) or "").split() if name != "for" or tag == "label" else ():
                self.references.append((tag, name, ref))
        self.described.update((a.get("aria-describedby") or "").split())
        self.roles.append((tag, (a.get("class") or "").split(), a.get("role"), a.get("aria-invalid"),
                           a.get("aria-describedby"), a.get("id"), any(t == "form" for t, _ in self._stack)))
        if "style" in a:
            self.styled.append(f"<{tag} style={a['style']!r}>")
        if tag == "style":
            self.styled.append("<style> element")
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
        if tag in FIELDS and (tag != "input" or (a.get("type") or "text").lower() not in NO_LABEL_TYPES):
            self.fields.append((tag, a, self._labels > 0))
        english = tag != "html" and a.get("lang", "").startswith("en")  # a part in English on purpose
        if not (english or self._english_ok):
            for name in READ_ATTRIBUTES:
                if a.get(name) and _ENGLISH.search(a[name]):
                    self.english.append(f"{tag}[{name}]={a[name]!r}")
        if tag not in VOID:
            self._stack.append((tag, english))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "script":
            self._in_script = False
        if tag == "label":
            self._labels = max(0, self._labels - 1)
        for i in range(len(self._stack) - 1, -1, -1):  # tolerant of unclosed <p>, <li> …
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_script or self._english_ok:
            return
        found = _ENGLISH.search(data)
        if found:
            self.english.append(data.strip()[:80])

    def screen_reader(self) -> list[str]:
        """What a screen reader would miss: a reference to no element, an id twice (a label names
        one of them), an invalid field not described by its error, an error in a form no field
        points to (nor role=alert),
        a message (flash) not role=status, an error summary not role=alert."""
        out = [f"id {i!r} used twice" for i in dict.fromkeys(self.duplicate_ids)]
        out += [f"<{tag} {name}={ref!r}>: no element has that id" for tag, name, ref in self.references
                if ref not in self.ids]
        for tag, classes, role, invalid, describedby, own_id, in_form in self.roles:
            if invalid == "true" and not describedby:
                out.append(f"<{tag} aria-invalid> without aria-describedby (its error, read with the field)")
            if "error" in classes and in_form and role != "alert" and not (own_id and own_id in self.described):
                out.append(f"<{tag} class=error id={own_id!r}>: no field's aria-describedby names it")
            if "flash" in classes and role != "status":
                out.append(f"<{tag} class=flash> without role=status")
            if "form-error" in classes and role != "alert":
                out.append(f"<{tag} class=form-error> without role=alert")
        return out

    def unlabelled(self) -> list[str]:
        out = []
        for tag, a, wrapped in self.fields:
            if a.get("aria-label") or a.get("aria-labelledby") or wrapped or (a.get("id") and a["id"] in self.label_for):
                continue
            out.append(f"<{tag} name={a.get('name')!r} id={a.get('id')!r}>")
        return out


def facts(html: str) -> PageFacts:
    parser = PageFacts()
    parser.feed(html)
    parser.close()
    return parser


def problems(response, zh: bool = True) -> list[str]:
    """What is wrong with a console page as a person and the CSP see it ([] for a good page).
    A fragment (no doctype: a part of a page htmx asks for) is held to the same rules except
    the document's own (lang, title, one h1)."""
    out = []
    if response.status_code != 200:
        return [f"status {response.status_code}"]
    if response.mimetype != "text/html":
        return []  # a download: not a page
    if "no-store" not in response.headers.get("Cache-Control", ""):
        out.append(f"Cache-Control {response.headers.get('Cache-Control')!r}, not no-store")
    page = facts(response.get_data(as_text=True))
    if page.doctype:
        if page.lang != ("zh-CN" if zh else "en"):
            out.append(f'<html lang={page.lang!r}>, not "zh-CN"')
        if page.h1 != 1:
            out.append(f"{page.h1} <h1> (one per page)")
        if not page.title.strip():
            out.append("no <title>")
    out += [f"no label: {f}" for f in page.unlabelled()]
    out += page.screen_reader()
    if page.inline_scripts:
        out.append(f"{page.inline_scripts} inline <script> (CSP: put it in static/console.js)")
    out += [f"inline style (CSP: put it in console.css): {s}" for s in page.styled]
    out += [f"inline handler (CSP): {h}" for h in page.handlers]
    if zh:
        out += [f"untranslated: {e}" for e in page.english]
    return out
