"""The API of tickets for the posts' teams (派单到公益岗位班组): what may be dispatched in a
community, a dispatch to a post's team, a post's queue. Rules in dispatch.py."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    page_schema,
    paginate,
    require_staff,
)

from . import dispatch
from .access import routed
from .models import Dispatch, Post

blp = Blueprint("welfare_jobs_work", __name__, description="公益岗位 · 班组派单 / Public-welfare jobs: tickets for "
                                                              "the posts' teams")


class DispatchIn(StrictSchema):
    ticket_id = Id(required=True, metadata={"description": "本岗位所在小区/村湾的工单 / a ticket at the post's site"})
    note = Text(500, allow_none=True, metadata={"description": "派单说明（记入工单流转记录）/ a note for the ticket's "
                                                              "history"})


class QueueQuery(PageArgs):
    state = fields.String(load_default="open", validate=validate.OneOf(["open", "closed"]), metadata={
        "description": "open（默认）：在办；closed：已办结、已关闭、已取消或改派 / open (default), or closed: resolved, "
                       "closed, cancelled or dispatched elsewhere"})
    sort = Sort("id", "dispatched_at")


class QueueItemOut(StrictSchema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    post_id = fields.Integer()
    title = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "工单状态（核心的代码）/ the ticket's status"})
    status_label = fields.String()
    kind = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True, metadata={"description": "工单提交时间 / the ticket's submission"})
    dispatched_by = fields.String()
    dispatched_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class PostChoiceOut(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    team = fields.String(metadata={"description": "班组：工单的 team / the ticket's team"})


class DispatchableOut(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    site_id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    kind = fields.String()
    priority = fields.String()
    team = fields.String(allow_none=True)
    created_at = fields.DateTime()
    post_id = fields.Integer(allow_none=True, metadata={"description": "现在负责的岗位 / the post holding it now"})
    posts = fields.List(fields.Nested(PostChoiceOut), metadata={"description": "同一小区/村湾的在岗岗位 / the active "
                                                                              "posts of its site"})


class DispatchableList(StrictSchema):
    """Not a page (at most 200, oldest first): the tickets and how many."""

    tickets = fields.List(fields.Nested(DispatchableOut))
    count = fields.Integer()


@blp.route("/communities/<int:community_id>/dispatchable")
class Dispatchable(MethodView):
    @blp.response(200, DispatchableList)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """可派给公益岗位班组的工单：有在岗岗位的小区/村湾里状态允许派单的工单（最早的在前，最多 200 件），及可接单的岗位 /
        Tickets that may go to a post's team: those whose state allows a dispatch, at the sites of
        active posts (oldest first, at most 200), each with the posts that could take it"""
        require_staff()
        tickets = dispatch.dispatchable(community_id)
        return {"tickets": tickets, "count": len(tickets)}


@blp.route("/posts/<int:post_id>/tickets")
class PostTickets(MethodView):
    @blp.arguments(QueueQuery, location="query")
    @blp.response(200, page_schema(QueueItemOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, post_id):
        """岗位的工单队列（默认在办；`?state=closed` 已结束的）/ The post's queue: open dispatches
        (`?state=closed`: ended ones), newest first"""
        post = routed(Post, post_id)
        dispatch.require_queue_reader(require_staff(), post)
        page = paginate(dispatch.queue_statement(post.id, args["state"]), Dispatch, args)
        page["items"] = dispatch.queue_items(page["items"])
        return page

    @blp.arguments(DispatchIn)
    @blp.response(201, QueueItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="岗位已撤销，或工单状态不允许 / the post is closed, or the "
                                                           "ticket's state does not allow it")
    @blp.alt_response(422, schema=ErrorSchema, description="不是本岗位小区/村湾的工单 / not a ticket at the post's site")
    def post(self, data, post_id):
        """把工单派给岗位的班组（工单的 team 设为岗位的班组；改派时结束原岗位的记录）/ Dispatch a ticket to the
        post's team (the ticket's team becomes the post's; a re-dispatch ends the earlier post's
        record). Who: staff who may write in the community, or its roster manager"""
        identity = require_staff()
        post = routed(Post, post_id, lock=True)
        dispatch.require_dispatcher(identity, post.community_id)
        row = dispatch.dispatch(post, data["ticket_id"], identity.username, data.get("note"))
        return dispatch.queue_items([row])[0]
