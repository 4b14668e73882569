"""The register at the console (房屋档案): communities → sites → buildings → units → households →
residents, with breadcrumbs, search and paged lists; forms to create and edit each level below a
community. Lists, reads and writes are the API's own (households/levels.py: the same Resources,
households/resources.py: list_page, get_readable, create_item, update_item), so the access rules,
the masking of personal data (ResidentOut), the resident's natural key (409 on `name`) and the
plugins' vetoes are exactly the API's. The imports and the community's config have their own
modules (register_imports.py, register_config.py).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from sqlalchemy import select

from ..extensions import db
from ..households.levels import BY_NAME
from ..households.models import Building, Community, Household, Site, Unit
from ..households.resources import create_item, get_readable, list_page, update_item
from ..i18n import _
from .blueprint import bp
from .forms import GENERAL, attempt, console_form

SITE_KINDS = (("compound", lazy_gettext("Commercial compound")), ("resettlement", lazy_gettext("Resettlement compound")),
              ("old", lazy_gettext("Old compound")), ("abandoned", lazy_gettext("Compound without management")),
              ("village", lazy_gettext("Village")), ("other", lazy_gettext("Other")))
HOUSEHOLD_KINDS = (("owner", lazy_gettext("Owner-occupied")), ("renter", lazy_gettext("Rented")),
                   ("vacant", lazy_gettext("Vacant")))
GENDERS = (("male", lazy_gettext("Male")), ("female", lazy_gettext("Female")))


class F:
    """A form field as the template draws it: name (the schema's), label, input type, choices."""

    def __init__(self, name, label, type="text", required=False, choices=None, hint="", attrs=""):
        self.name, self.label, self.type, self.required = name, label, type, required
        self.choices, self.hint, self.attrs = choices, hint, attrs


FIELDS = {
    "sites": (F("name", lazy_gettext("Name"), required=True), F("kind", lazy_gettext("Kind"), "select", True, SITE_KINDS),
              F("address", lazy_gettext("Address")),
              F("area_m2", lazy_gettext("Area (m²)"), "number", attrs='step="0.01" min="0"')),
    "buildings": (F("name", lazy_gettext("Name"), required=True, hint=lazy_gettext("e.g. Building 3")),
                  F("floors", lazy_gettext("Floors"), "number", attrs='min="0" max="300"')),
    "units": (F("entrance", lazy_gettext("Entrance")), F("floor", lazy_gettext("Floor"), "number"),
              F("number", lazy_gettext("Room number"), required=True),
              F("area_m2", lazy_gettext("Area (m²)"), "number", attrs='step="0.01" min="0"')),
    "households": (F("kind", lazy_gettext("Kind"), "select", True, HOUSEHOLD_KINDS),
                   F("moved_in_on", lazy_gettext("Moved in on"), "date"),
                   F("moved_out_on", lazy_gettext("Moved out on"), "date"),
                   F("members", lazy_gettext("Number of people"), "number", attrs='min="0" max="999"')),
    "residents": (F("name", lazy_gettext("Name"), required=True), F("phone", lazy_gettext("Phone"), "tel"),
                  F("gender", lazy_gettext("Gender"), "select", choices=GENDERS),
                  F("birth_year", lazy_gettext("Year of birth"), "number", attrs='min="1900"'),
                  F("tags", lazy_gettext("Tags"), hint=lazy_gettext("Separated by commas, e.g. 党员, 志愿者")),
                  F("id_card", lazy_gettext("ID-card number"),
                    hint=lazy_gettext("18 characters; stored encrypted, shown masked. Leave empty to keep it."))),
}
# Where each level's detail page is (residents are shown on their household's).
PAGES = {"communities": "console.register_community", "sites": "console.register_site",
         "buildings": "console.register_building", "units": "console.register_unit",
         "households": "console.register_household"}
TITLES = {"sites": lazy_gettext("site"), "buildings": lazy_gettext("building"), "units": lazy_gettext("room"),
          "households": lazy_gettext("household"), "residents": lazy_gettext("resident")}


# --- lists ---------------------------------------------------------------------------------------


def query_args(level: str, fixed: dict, keys=("q", "page", "sort")) -> tuple[dict, dict]:
    """The list's arguments from the page's query string through the API's query schema:
    (args, errors by field); a refused value is left out (and named)."""
    schema = BY_NAME[level].query_schema()
    values = {k: v for k, v in request.args.items() if k in keys and v != ""}
    args, errors = console_form(schema, {**values, **fixed})
    if errors:
        args = schema.load(fixed)
    return args, errors


def listed(level: str, fixed: dict, keys=("q", "page", "sort")) -> tuple[dict, list[dict], dict]:
    """(the page as list_page answers it, its items dumped as the API dumps them, errors)."""
    resource = BY_NAME[level]
    args, errors = query_args(level, fixed, keys)
    page = list_page(resource, args)
    return page, resource.out_schema(many=True).dump(page["items"]), errors


def _row(level: str, item_id: int):
    return get_readable(BY_NAME[level], item_id)  # 404 unless the caller may read it


def trail(obj) -> list[tuple[str, str]]:
    """The breadcrumbs down to `obj` (a site, building, unit or household): (label, url)."""
    crumbs = [(_("Register"), url_for("console.register"))]
    community = db.session.get(Community, obj.community_id)
    crumbs.append((community.name, url_for("console.register_community", community_id=community.id)))
    site_id = obj.id if isinstance(obj, Site) else getattr(obj, "site_id", None)
    if site_id is not None:
        site = obj if isinstance(obj, Site) else db.session.get(Site, site_id)
        crumbs.append((site.name, url_for("console.register_site", site_id=site.id)))
    building_id = obj.id if isinstance(obj, Building) else getattr(obj, "building_id", None)
    if building_id is not None:
        building = obj if isinstance(obj, Building) else db.session.get(Building, building_id)
        crumbs.append((building.name, url_for("console.register_building", building_id=building.id)))
    unit_id = obj.id if isinstance(obj, Unit) else getattr(obj, "unit_id", None)
    if unit_id is not None:
        unit = obj if isinstance(obj, Unit) else db.session.get(Unit, unit_id)
        crumbs.append((room_label(unit), url_for("console.register_unit", unit_id=unit.id)))
    if isinstance(obj, Household):
        crumbs.append((_("Household %(id)s", id=obj.id), url_for("console.register_household", household_id=obj.id)))
    return crumbs


def room_label(unit) -> str:
    """"1-301" (entrance-room), or the room alone without an entrance."""
    return f"{unit.entrance}-{unit.number}" if unit.entrance else unit.number


def household_places(household_ids) -> dict[int, str]:
    """Where each household lives, "1栋 1-301", for lists that name it (one query)."""
    ids = {i for i in household_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Household.id, Building.name, Unit.entrance, Unit.number)
        .join(Unit, Unit.id == Household.unit_id).join(Building, Building.id == Household.building_id)
        .where(Household.id.in_(ids))).all()
    return {hid: f"{building} {entrance + '-' if entrance else ''}{number}" for hid, building, entrance, number in rows}


def _writable(community_id: int) -> bool:
    return g.identity.can_write(community_id)


@bp.route("/register")
def register():
    """房屋档案：社区列表（按名称搜索）。"""
    page, items, errors = listed("communities", {})
    return render_template("console/register/communities.html", current="register", page=page, items=items,
                           errors=errors, crumbs=[(_("Register"), url_for("console.register"))])


@bp.route("/register/communities/<int:community_id>")
def register_community(community_id: int):
    """一个社区：小区列表，居民与房号搜索、导入、配置的入口。"""
    community = _row("communities", community_id)
    page, items, errors = listed("sites", {"community_id": community.id})
    return render_template("console/register/community.html", current="register", community=community, page=page,
                           items=items, errors=errors, crumbs=trail_of_community(community),
                           writable=_writable(community.id), kinds=dict(SITE_KINDS),
                           is_admin=g.identity.is_tenant_admin)


def trail_of_community(community) -> list[tuple[str, str]]:
    return [(_("Register"), url_for("console.register")),
            (community.name, url_for("console.register_community", community_id=community.id))]


@bp.route("/register/communities/<int:community_id>/search")
def register_search(community_id: int):
    """搜索：居民（姓名或电话；电话仅限可见个人信息的角色）或房号。"""
    community = _row("communities", community_id)
    what = "rooms" if request.args.get("what") == "rooms" else "residents"
    q = (request.args.get("q") or "").strip()
    page = items = None
    places, errors = {}, {}
    if q:
        if what == "residents":
            page, items, errors = listed("residents", {"community_id": community.id})
            places = household_places(r["household_id"] for r in items)
        else:
            page, items, errors = listed("units", {"community_id": community.id})
            places = _households_of_units([u["id"] for u in items])
    return render_template("console/register/search.html", current="register", community=community, what=what, q=q,
                           page=page, items=items, places=places, errors=errors,
                           crumbs=trail_of_community(community), buildings=_building_names(items or []))


def _households_of_units(unit_ids: list[int]) -> dict[int, list[Household]]:
    """The households of each listed room (one query, within what the caller reads: the rooms')."""
    out: dict[int, list[Household]] = {}
    if unit_ids:
        for household in db.session.scalars(select(Household).where(Household.unit_id.in_(unit_ids))
                                            .order_by(Household.id)):
            out.setdefault(household.unit_id, []).append(household)
    return out


def _building_names(items: list[dict]) -> dict[int, str]:
    ids = {i.get("building_id") for i in items} - {None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Building.id, Building.name).where(Building.id.in_(ids))).all())


@bp.route("/register/sites/<int:site_id>")
def register_site(site_id: int):
    """一个小区：楼栋列表。"""
    site = _row("sites", site_id)
    page, items, errors = listed("buildings", {"site_id": site.id})
    return render_template("console/register/site.html", current="register", site=site, page=page, items=items,
                           errors=errors, crumbs=trail(site), writable=_writable(site.community_id),
                           kinds=dict(SITE_KINDS))


@bp.route("/register/buildings/<int:building_id>")
def register_building(building_id: int):
    """一栋楼：房屋列表（按房号搜索）。"""
    building = _row("buildings", building_id)
    page, items, errors = listed("units", {"building_id": building.id})
    return render_template("console/register/building.html", current="register", building=building, page=page,
                           items=items, errors=errors, crumbs=trail(building),
                           writable=_writable(building.community_id))


@bp.route("/register/units/<int:unit_id>")
def register_unit(unit_id: int):
    """一间房：住户列表。"""
    unit = _row("units", unit_id)
    page, items, errors = listed("households", {"unit_id": unit.id}, keys=("page", "sort"))
    return render_template("console/register/unit.html", current="register", unit=unit, room=room_label(unit),
                           page=page, items=items, errors=errors, crumbs=trail(unit),
                           writable=_writable(unit.community_id), kinds=dict(HOUSEHOLD_KINDS))


@bp.route("/register/households/<int:household_id>")
def register_household(household_id: int):
    """一户：住户信息与居民列表（个人信息按角色脱敏，与 API 相同）。"""
    household = _row("households", household_id)
    page, items, errors = listed("residents", {"household_id": household.id}, keys=("page", "sort"))
    shown = BY_NAME["households"].out_schema().dump(household)
    return render_template("console/register/household.html", current="register", household=household, shown=shown,
                           page=page, items=items, errors=errors, crumbs=trail(household),
                           writable=_writable(household.community_id), kinds=dict(HOUSEHOLD_KINDS),
                           genders=dict(GENDERS))


# --- forms ---------------------------------------------------------------------------------------


def _form_values(level: str) -> dict:
    """The submitted form as the schema takes it: empty inputs left out, tags split."""
    values = {}
    for f in FIELDS[level]:
        value = (request.form.get(f.name) or "").strip()
        if f.name == "tags":
            values["tags"] = [t for t in _split_tags(value)]
        elif value != "":
            values[f.name] = value
    return values


def _split_tags(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "\n"):
        text = text.replace(sep, ",")
    return [t.strip() for t in text.split(",") if t.strip()]


def _shown_values(level: str, obj) -> dict:
    """What an edit form shows: the row as the API dumps it (a resident's phone masked where the
    caller does not see it; the ID-card number never)."""
    dumped = BY_NAME[level].out_schema().dump(obj)
    values = {f.name: dumped.get(f.name) for f in FIELDS[level] if f.name != "id_card"}
    if "tags" in values:
        values["tags"] = ", ".join(values["tags"] or [])
    return values


def _with_general(errors: dict, level: str) -> dict:
    """Errors of fields the form does not show (the parent's id…) are the form's."""
    shown = {f.name for f in FIELDS[level]}
    out = {}
    for key, messages in errors.items():
        out.setdefault(key if key in shown or key == GENERAL else GENERAL, []).extend(messages)
    return out


def _after(level: str, obj) -> str:
    if level == "residents":
        return url_for("console.register_household", household_id=obj.household_id)
    return url_for(PAGES[level], **{f"{BY_NAME[level].singular}_id": obj.id})


def _parent_of(level: str, parent_id: int):
    field_name, model = BY_NAME[level].parent
    parent_level = next(name for name, r in BY_NAME.items() if r.model is model)
    return field_name, _row(parent_level, parent_id), parent_level


@bp.route("/register/<any(sites, buildings, units, households, residents):level>/new", methods=["GET", "POST"])
def register_new(level: str):
    """新建（小区、楼栋、房屋、住户、居民）：API 的同一校验与服务。"""
    try:
        parent_id = int(request.args.get("parent", ""))
    except ValueError:
        abort(404)
    field_name, parent, parent_level = _parent_of(level, parent_id)
    if not _writable(parent.community_id):
        abort(403)
    resource = BY_NAME[level]
    errors, values = {}, {}
    if request.method == "POST":
        values = _form_values(level)
        data, errors = console_form(resource.create_schema(), {**values, field_name: parent.id})
        if not errors:
            obj, errors, _status = attempt(lambda: create_item(resource, data))
            if not errors:
                flash(_("Saved."), "success")
                return redirect(_after(level, obj))
        values = {k: request.form.get(k, "") for k in (f.name for f in FIELDS[level])}
    else:
        values = {"kind": "owner"} if level == "households" else {}
    parent = db.session.get(type(parent), parent_id)  # after a rollback: loaded again
    crumbs = trail_of_community(parent) if parent_level == "communities" else trail(parent)
    return render_template("console/register/form.html", current="register", level=level, fields=FIELDS[level],
                           values=values, errors=_with_general(errors, level), crumbs=crumbs,
                           heading=_("New %(what)s", what=TITLES[level]), creating=True,
                           back=crumbs[-1][1]), 422 if errors else 200


@bp.route("/register/<any(sites, buildings, units, households, residents):level>/<int:item_id>/edit",
          methods=["GET", "POST"])
def register_edit(level: str, item_id: int):
    """修改（小区、楼栋、房屋、住户、居民）：API 的同一校验与服务（PATCH：清空的栏目清空，身份证号留空则不变）。"""
    resource = BY_NAME[level]
    obj = _row(level, item_id)
    if not _writable(obj.community_id):
        abort(403)
    errors = {}
    if request.method == "POST":
        values = _form_values(level)
        schema = resource.update_schema()
        data, errors = console_form(schema, values)
        if not errors:
            for f in FIELDS[level]:  # an input emptied: the value removed (the ID card: kept)
                field = schema.fields[f.name]
                if f.name not in data and f.name != "id_card" and field.allow_none:
                    data[f.name] = None
            _result, errors, _status = attempt(lambda: update_item(resource, obj, data, replace=False))
            if not errors:
                flash(_("Saved."), "success")
                return redirect(_after(level, obj))
        values = {k: request.form.get(k, "") for k in (f.name for f in FIELDS[level])}
        obj = _row(level, item_id)
    else:
        values = _shown_values(level, obj)
    crumbs = trail(obj) if level != "residents" else trail(db.session.get(Household, obj.household_id))
    return render_template("console/register/form.html", current="register", level=level, fields=FIELDS[level],
                           values=values, errors=_with_general(errors, level), crumbs=crumbs,
                           heading=_("Edit %(what)s", what=TITLES[level]), creating=False,
                           back=_after(level, obj)), 422 if errors else 200
