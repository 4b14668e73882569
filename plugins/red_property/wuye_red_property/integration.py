"""社区物业一体化: people who hold posts on both sides (the party secretary who is also the
branch manager…) and service items the community and the property company provide together."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    db,
    invalid,
    page_schema,
    paginate,
    services,
)

from .common import label, readable, require_write, txt, writable
from .models import DualPost, SharedService

blp = Blueprint("red_property_integration", __name__, description="社区物业一体化 / Integration")


class DualPostIn(StrictSchema):
    person_name = txt(100, required=True, min_length=1, metadata=label("姓名", "name"))
    staff_user_id = Id(
        allow_none=True, load_default=None, metadata=label("对应的系统用户", "staff user, if any")
    )
    community_post = txt(
        100, required=True, min_length=1, metadata=label("社区职务（如党委书记）", "community post")
    )
    property_post = txt(
        100, required=True, min_length=1, metadata=label("物业职务（如分公司经理）", "property post")
    )


class DualPostOut(DualPostIn):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)


class SharedServiceIn(StrictSchema):
    name = txt(200, required=True, min_length=1, metadata=label("服务事项", "service item"))
    description = txt(5000, allow_none=True, load_default=None, strip=False)


class SharedServiceOut(SharedServiceIn):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)


def _check_staff_user(staff_user_id: int | None) -> None:
    """The staff user must exist in this tenant (the composite key would refuse it too, as a 500)."""
    if staff_user_id is None:
        return
    if services.staff_identity(staff_user_id) is None:
        invalid("staff_user_id", "Does not exist.")


class DualPostQuery(PageArgs):
    sort = Sort("id", "person_name")


class SharedServiceQuery(PageArgs):
    sort = Sort("id", "name")


@blp.route("/communities/<int:community_id>/dual-posts", endpoint="dual_posts")
class DualPosts(MethodView):
    @blp.arguments(DualPostQuery, location="query")
    @blp.response(200, page_schema(DualPostOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """交叉任职（默认最新在前）/ People holding posts on both sides, newest first"""
        return paginate(select(DualPost).where(DualPost.community_id == community_id), DualPost, args)

    @blp.arguments(DualPostIn)
    @blp.response(201, DualPostOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记交叉任职 / Record a dual post"""
        require_write(community_id)
        _check_staff_user(data["staff_user_id"])
        row = DualPost(community_id=community_id, **data)
        db.session.add(row)
        db.session.commit()
        return row


@blp.route("/dual-posts/<int:dual_post_id>", endpoint="dual_post")
class DualPostItem(MethodView):
    @blp.response(200, DualPostOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, dual_post_id):
        """交叉任职 / A dual post"""
        return readable(DualPost, dual_post_id)

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, dual_post_id):
        """删除交叉任职 / Remove a dual post"""
        db.session.delete(writable(DualPost, dual_post_id))
        db.session.commit()


@blp.route("/communities/<int:community_id>/shared-services", endpoint="shared_services")
class SharedServices(MethodView):
    @blp.arguments(SharedServiceQuery, location="query")
    @blp.response(200, page_schema(SharedServiceOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """共享服务事项（默认最新在前）/ Services the community and the company provide together, newest first"""
        return paginate(select(SharedService).where(SharedService.community_id == community_id), SharedService,
                        args)

    @blp.arguments(SharedServiceIn)
    @blp.response(201, SharedServiceOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记共享服务事项 / Record a shared service item"""
        require_write(community_id)
        row = SharedService(community_id=community_id, **data)
        db.session.add(row)
        db.session.commit()
        return row


@blp.route("/shared-services/<int:shared_service_id>", endpoint="shared_service")
class SharedServiceItem(MethodView):
    @blp.response(200, SharedServiceOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, shared_service_id):
        """共享服务事项 / A shared service item"""
        return readable(SharedService, shared_service_id)

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, shared_service_id):
        """删除共享服务事项 / Remove a shared service item"""
        db.session.delete(writable(SharedService, shared_service_id))
        db.session.commit()
