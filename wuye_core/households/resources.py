"""One builder for the list/create/read/replace/update/delete endpoints of a register resource.

Each resource states what differs (model, schemas, parent, filters, search); access rules,
tenant scoping, community permissions, paging and error answers are the same everywhere
because they live here once.

Permissions: a row belongs to a community (its `community_id`; a community is its own). Reading needs that community
to be readable by the caller, writing needs it writable. Rows the caller may not read answer
404 exactly like rows of another tenant, so nobody learns that they exist.

create_item / update_item / delete_item raise DomainError and do not commit: the request does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, missing
from sqlalchemy import ColumnElement, select

from .. import events
from ..api.access import require_staff, require_tenant_admin
from ..api.pagination import page_schema, paginate
from ..common.schemas import partial
from ..errors import ErrorSchema, Forbidden, NotFound, invalid
from ..extensions import db
from ..host.dispatch import check_veto
from ..i18n import N_
from .personal_data import personal_data_communities

PAGING = ("page", "per_page", "sort")  # what does not change a list's total
ERRORS = {401: "未登录 / not authenticated", 403: "无权限 / forbidden", 404: "不存在 / not found"}


@dataclass
class Resource:
    name: str  # URL segment, plural: "sites"
    singular: str  # "site": the path parameter is "<singular>_id"
    model: type
    out_schema: type[Schema]
    create_schema: type[Schema]
    update_schema: type[Schema]
    query_schema: type[Schema]
    description: str
    # The parent named in the create body, and the ancestor columns copied from it.
    parent: tuple[str, type] | None = None
    inherited: tuple[str, ...] = ()
    admin_writes: bool = False  # only a tenant_admin may create/change/delete
    search: Callable[[str], ColumnElement] | None = None
    extra_filters: Callable[[dict], list[ColumnElement]] = lambda args: []
    # Copy validated data onto the row; resources with derived fields override it.
    apply: Callable[[Any, dict], None] | None = None
    filter_columns: tuple[str, ...] = field(default=())
    # Core events (hookspecs: wuye_<singular>_created/_changed/…) and the plugins' veto hook.
    events: bool = False
    event_data: Callable[[Any], dict] = lambda obj: {}
    more_events: Callable[[dict, Any], list[tuple[str, dict]]] = lambda before, obj: []
    delete_event: str | None = None
    validate_hook: str | None = None


def _apply(resource: Resource, obj, data: dict, *, replace: bool) -> None:
    if replace:  # PUT: fields left out are reset, not kept
        for name, fld in resource.update_schema().load_fields.items():
            if name not in data and not fld.required:
                default = fld.load_default
                data[name] = None if default is missing else (default() if callable(default) else default)
    if resource.apply:
        resource.apply(obj, data)
    else:
        for key, value in data.items():
            setattr(obj, key, value)


def get_readable(resource: Resource, item_id: int):
    """The row, if the caller may read it; else 404 (another tenant's looks the same)."""
    identity = require_staff()
    obj = db.session.get(resource.model, item_id)  # tenant-scoped by the framework
    if obj is None or not identity.can_read(obj.community_id):
        raise NotFound()
    return obj


def _check_write(resource: Resource, community_id: int) -> None:
    identity = require_tenant_admin() if resource.admin_writes else require_staff()
    if not identity.can_write(community_id):
        raise Forbidden()


def list_statement(resource: Resource, args: dict):
    identity = require_staff()
    model = resource.model
    stmt = select(model)
    readable = identity.readable_communities()
    if readable is not None:
        stmt = stmt.where(model.community_id.in_(readable or [-1]))
    for column in resource.filter_columns:
        if args.get(column) is not None:
            stmt = stmt.where(getattr(model, column) == args[column])
    if args.get("q") and resource.search:
        stmt = stmt.where(resource.search(args["q"]))
    for criterion in resource.extra_filters(args):
        stmt = stmt.where(criterion)
    return stmt


def list_page(resource: Resource, args: dict) -> dict:
    """One page of the list (`args` loaded by the resource's query schema): {"items", "total",
    "page", "per_page"}, the items rows the caller may read, to be dumped with `out_schema`."""
    readable = require_staff().readable_communities()
    # a search or a tag filter may depend on where the caller sees personal data
    personal = personal_data_communities() if args.get("q") or args.get("tag") else None
    total_key = (resource.name, tuple(sorted((k, repr(v)) for k, v in args.items() if k not in PAGING)),
                 None if readable is None else frozenset(readable),
                 None if personal is None else frozenset(personal))
    return paginate(list_statement(resource, args), resource.model, args, total_key=total_key)


def create_item(resource: Resource, data: dict, *, write_checked: bool = False):
    """`write_checked`: the caller decided who may write (a plugin's role, through a documented
    facade service such as wuye_core.plugins.register_resident); the parent must still be
    readable by the caller, and every other rule (schema, natural key, vetoes, events) holds."""
    obj = resource.model()
    if resource.parent:
        field_name, parent_model = resource.parent
        parent = db.session.get(parent_model, data[field_name])
        if parent is None or not require_staff().can_read(parent.community_id):
            invalid(field_name, N_("Does not exist."))
        if not write_checked:
            _check_write(resource, parent.community_id)
        for column in resource.inherited:
            setattr(obj, column, getattr(parent, column))
    else:
        require_tenant_admin()
    _apply(resource, obj, data, replace=False)
    db.session.add(obj)
    _check_plugins(resource, obj, data, creating=True)
    db.session.flush()
    if resource.events:
        events.record(f"{resource.singular}_created", obj.community_id, obj.id, actor=require_staff().username,
                      **resource.event_data(obj))
    return obj


def _check_plugins(resource: Resource, obj, data: dict, creating: bool) -> None:
    if resource.validate_hook:
        check_veto(resource.validate_hook, obj.community_id, tenant_id=require_staff().tenant_id,
                   community_id=obj.community_id, data=data, **{f"{resource.singular}_id": None if creating else obj.id})


def update_item(resource: Resource, obj, data: dict, *, replace: bool):
    _check_write(resource, obj.community_id)
    before = {key: getattr(obj, key) for key in data}
    _apply(resource, obj, data, replace=replace)
    _check_plugins(resource, obj, data, creating=False)
    if resource.events:
        changed = sorted(k for k in data if getattr(obj, k) != before.get(k, getattr(obj, k)))
        actor = require_staff().username
        if changed:
            events.record(f"{resource.singular}_changed", obj.community_id, obj.id, actor=actor, changed=changed)
        for name, extra in resource.more_events(before, obj):
            events.record(name, obj.community_id, obj.id, actor=actor, **extra)
    db.session.flush()
    return obj


def delete_item(resource: Resource, obj) -> None:
    _check_write(resource, obj.community_id)
    if resource.delete_event:
        events.record(resource.delete_event, obj.community_id, obj.id, actor=require_staff().username,
                      **resource.event_data(obj))
    db.session.delete(obj)
    db.session.flush()  # a row still referenced is refused here (409), not at the commit


def register_crud(blp: Blueprint, resource: Resource) -> None:
    path_param = f"{resource.singular}_id"
    # Schema instances, not classes: webargs builds a new instance from a class on every request.
    query = resource.query_schema()
    page = page_schema(resource.out_schema)

    def documented_errors(view, codes=(401, 403, 404)):
        for code in codes:
            view = blp.alt_response(code, schema=ErrorSchema, description=ERRORS[code])(view)
        return view

    @blp.route("", endpoint=f"{resource.name}_collection")
    class Collection(MethodView):
        @blp.arguments(query, location="query")
        @blp.response(200, page)
        @documented_errors
        def get(self, args):
            """列表（分页，默认最新在前）/ List (paged, newest first unless `sort` says otherwise)"""
            return list_page(resource, args)

        @blp.arguments(resource.create_schema())
        @blp.response(201, resource.out_schema)
        @documented_errors
        def post(self, data):
            """新建 / Create"""
            return create_item(resource, data)

    @blp.route(f"/<int:{path_param}>", endpoint=f"{resource.name}_item")
    class Item(MethodView):
        @blp.response(200, resource.out_schema)
        @documented_errors
        def get(self, **path):
            """查看 / Read"""
            return get_readable(resource, path[path_param])

        @blp.arguments(resource.update_schema())
        @blp.response(200, resource.out_schema)
        @documented_errors
        def put(self, data, **path):
            """整体修改 / Replace"""
            return update_item(resource, get_readable(resource, path[path_param]), data, replace=True)

        @blp.arguments(partial(resource.update_schema))
        @blp.response(200, resource.out_schema)
        @documented_errors
        def patch(self, data, **path):
            """部分修改 / Update"""
            return update_item(resource, get_readable(resource, path[path_param]), data, replace=False)

        @blp.response(204)
        @blp.alt_response(409, schema=ErrorSchema, description="仍被引用 / still referenced")
        @documented_errors
        def delete(self, **path):
            """删除（仍有下级数据时拒绝）/ Delete (refused while children exist)"""
            delete_item(resource, get_readable(resource, path[path_param]))
            return None

    Collection.__name__ = f"{resource.name.title()}Collection"
    Item.__name__ = f"{resource.name.title()}Item"
