"""Plugins for the route gate's tests (tests/test_plugin_gate.py), loaded through entry points.

`things` exposes the register's sites as "things" by id, with no community in the path, the way
a third party following docs/plugins.md would; the others break the declaration rules on purpose.
"""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy import select

from wuye_core.host.enablement import TenantPlugin  # a tenant-scoped model with no community_id
from wuye_core.plugins import Household, PluginInfo, Site, db, hookimpl, plugin_communities, route_community


def _info(name, api_version):
    return PluginInfo(name=name, version="9.9", title_zh=f"{name}插件", title_en=name, api_version=api_version)


def _blueprint(name: str) -> Blueprint:
    return Blueprint(f"{name}_routes", __name__, description=name)


things_blp = _blueprint("things")


@things_blp.route("/things/<int:thing_id>")
def thing(thing_id):
    site = db.session.get(Site, thing_id)  # the gate loaded it: no query
    return jsonify(id=site.id, name=site.name, community_id=route_community())


@things_blp.route("/things")
def all_things():
    """Tenant-wide: only the gate's tenant check ran, so the view restricts its rows itself."""
    communities = plugin_communities("things")
    rows = db.session.scalars(select(Site.id).where(Site.community_id.in_(communities)).order_by(Site.id))
    return jsonify(ids=list(rows), communities=sorted(communities))


@things_blp.route("/tickets/<int:ticket_id>/seen")
def ticket_seen(ticket_id):
    return jsonify(ticket_id=ticket_id, community_id=route_community())


@things_blp.route("/years/<int:year>")
def year(year):
    return jsonify(year=year, community_id=route_community())


@things_blp.route("/communities/<int:community_id>/things/<int:thing_id>")
def thing_in(community_id, thing_id):
    return jsonify(id=thing_id, community_id=route_community())


class Things:
    @hookimpl
    def wuye_plugin_info(self):
        return _info("things", "1.3")

    @hookimpl
    def wuye_blueprints(self):
        return [things_blp]

    @hookimpl
    def wuye_route_objects(self):
        return {"thing_id": Site, "ticket_id": "ticket", "year": None}


legacy_blp = _blueprint("legacy")


@legacy_blp.route("/old-things/<int:thing_id>")
def old_thing(thing_id):
    return jsonify(id=thing_id)


class Legacy:
    """Written for hook API 1.2, before route objects: it loads, its ids gated by the tenant only."""

    @hookimpl
    def wuye_plugin_info(self):
        return _info("legacy", "1.2")

    @hookimpl
    def wuye_blueprints(self):
        return [legacy_blp]


undeclared_blp = _blueprint("undeclared")


@undeclared_blp.route("/widgets/<int:widget_id>")
def widget(widget_id):
    return jsonify(id=widget_id)


class Undeclared:
    """API 1.3 with an id the plugin did not declare: refused at start-up."""

    @hookimpl
    def wuye_plugin_info(self):
        return _info("undeclared", "1.3")

    @hookimpl
    def wuye_blueprints(self):
        return [undeclared_blp]


class Declaring:
    """Declares something the gate cannot check (one mistake per instance, below)."""

    def __init__(self, name, declared, blueprint=None):
        self.name, self.declared, self.blueprint = name, declared, blueprint

    @hookimpl
    def wuye_plugin_info(self):
        return _info(self.name, "1.3")

    @hookimpl
    def wuye_blueprints(self):
        return [self.blueprint] if self.blueprint else []

    @hookimpl
    def wuye_route_objects(self):
        return self.declared


stringly_blp = _blueprint("stringly")


@stringly_blp.route("/households/<household_id>")
def by_string(household_id):
    return jsonify(id=household_id)


class NotAModel:
    community_id = 1


things = Things()
legacy = Legacy()
undeclared = Undeclared()
not_a_model = Declaring("notamodel", {"x_id": NotAModel})
no_community = Declaring("nocommunity", {"x_id": TenantPlugin})
unknown_core = Declaring("unknowncore", {"x_id": "invoice"})
community_declared = Declaring("communitydecl", {"community_id": Site})
string_converter = Declaring("stringconv", {"household_id": Household}, stringly_blp)
