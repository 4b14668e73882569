"""/api/v1/service-links: propose, answer, change and end links with another tenant.

Reading: any staff member of the tenant but a field worker; changing: the tenant administrator."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api.access import require_staff, require_tenant_admin
from ..api.pagination import page_schema, paginate
from ..common.schemas import partial
from ..errors import ErrorSchema
from ..extensions import db
from ..i18n import N_
from . import schemas as s
from . import service
from .models import LinkState, ServiceLink, Side
from .views import link_view, link_views

blp = Blueprint("service_links", __name__, url_prefix="/api/v1/service-links",
                description="服务关系（街道与物业企业）/ Service links between tenants")


def _reader():
    from flask_smorest import abort

    identity = require_staff()
    if identity.readable_communities() == set():  # a field worker: tickets dispatched to them only
        abort(403, message=N_("Your role does not allow this."))
    return identity


@blp.route("", endpoint="links")
class Links(MethodView):
    @blp.arguments(s.LinkQuery, location="query")
    @blp.response(200, page_schema(s.LinkSchema))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """本租户的服务关系（最新在前）/ This tenant's service links, newest first"""
        _reader()
        state = LinkState(args["state"]) if args.get("state") else None
        side = Side(args["side"]) if args.get("side") else None
        page = paginate(service.links_query(state, side), ServiceLink, args)
        page["items"] = link_views(page["items"])
        return page

    @blp.arguments(s.LinkProposal)
    @blp.response(201, s.LinkSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="该小区已有服务关系 / the site has a live link")
    def post(self, data):
        """提出服务关系 / Propose a service link

        一方提出，另一方确认（`POST …/accept`，并指明其本方对应的小区）后生效；任一方可随时解除。双方的审计日志
        都会记录。/ One side proposes; the link holds once the other accepts it naming its own site;
        either side may end it at any time. Both tenants' audit trails record every change."""
        require_tenant_admin()
        link = service.propose(partner=data["partner"], site_id=data["site_id"], side=data.get("side"),
                               note=data.get("note"), share_contact=data.get("share_contact", False))
        return link_view(link)


@blp.route("/<int:link_id>", endpoint="link")
class LinkItem(MethodView):
    @blp.response(200, s.LinkSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, link_id):
        """查看服务关系 / Read a service link"""
        _reader()
        return link_view(service.get_link(link_id))

    @blp.arguments(partial(s.LinkChange))
    @blp.response(200, s.LinkSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, link_id):
        """修改服务关系（备注；属地方决定转办是否附报事人联系方式）/ Change a link's note, or (client side)
        whether hand-offs carry the reporter's contact"""
        require_tenant_admin()
        link = service.change(link_id, share_contact=data.get("share_contact"), note=data.get("note"))
        db.session.flush()
        return link_view(link)


@blp.route("/<int:link_id>/accept", methods=["POST"], endpoint="accept")
@blp.arguments(s.LinkAcceptance)
@blp.response(200, s.LinkSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def accept(data, link_id):
    """确认服务关系 / Accept a proposed link, naming our own site"""
    require_tenant_admin()
    return link_view(service.accept(link_id, data["site_id"]))


@blp.route("/<int:link_id>/decline", methods=["POST"], endpoint="decline")
@blp.arguments(s.LinkEnd)
@blp.response(200, s.LinkSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def decline(data, link_id):
    """拒绝服务关系 / Decline a proposed link"""
    require_tenant_admin()
    return link_view(service.decline(link_id, data.get("reason")))


@blp.route("/<int:link_id>/revoke", methods=["POST"], endpoint="revoke")
@blp.arguments(s.LinkEnd)
@blp.response(200, s.LinkSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def revoke(data, link_id):
    """解除服务关系（或撤回提议），立即生效 / End a link (or withdraw a proposal), at once"""
    require_tenant_admin()
    return link_view(service.revoke(link_id, data.get("reason")))
