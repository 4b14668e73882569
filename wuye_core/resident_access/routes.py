"""/api/v1/resident/…: a resident signs in with a one-time code, agrees to the privacy notice,
and reads who they are. Only these endpoints (and the residents' pages built on them) open to a
resident's token: every other answers 403 (auth/identity.py, `for_residents`)."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint, abort

from ..api.access import for_residents, not_replayed, public
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..events import commit
from ..extensions import db, limiter
from ..tickets.files import attachment_response
from ..tickets.models import Ticket
from . import codes, consent, tickets
from . import schemas as s
from .caller import consented_account, me_account
from .households import my_households
from .limits import ADDRESS_SCOPE, PHONE_SCOPE, WRONG_CODE, address_limit, code_limit, failed, phone_key
from .phones import mask_phone

blp = Blueprint("resident", __name__, url_prefix="/api/v1/resident",
                description="居民（手机号 + 验证码登录）/ Residents (sign-in with a one-time code)")

def _phone_key() -> str:
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    return phone_key(body.get("tenant", ""), body.get("phone", ""))


@blp.route("/auth/code", methods=["POST"])
@public
@for_residents
@limiter.shared_limit(code_limit, PHONE_SCOPE, key_func=_phone_key)
@limiter.shared_limit(address_limit, ADDRESS_SCOPE)
@blp.arguments(s.CodeRequest())
@blp.response(202, s.CodeSent)
@blp.alt_response(429, schema=ErrorSchema, description="请求过于频繁 / too many requests")
def request_code(data):
    """获取登录验证码（短信发送）/ Ask for a sign-in code (sent by text message)

    手机号须是住户台账里登记的；无论是否登记，回答都相同。无法收短信时，可由社区服务窗口代为获取
    （`wuye residents code`）。/ The number must be in the household register; the answer is the same
    either way. Without a signal, the community's service desk can issue one (`wuye residents code`)."""
    if codes.enter_tenant_by_slug(data["tenant"]) is not None:
        codes.request_code(data["phone"])
    return {"expires_in_minutes": current_app.config["WUYE"].resident_code_minutes}


@blp.route("/auth/token", methods=["POST"])
@public
@for_residents
@not_replayed
# wrong tries per phone are bounded by the code itself (MAX_WRONG, then burnt) and by the codes a
# phone may ask for (_code_limit): at most 25 guesses of a million per 15 minutes by default
@limiter.shared_limit(address_limit, ADDRESS_SCOPE, deduct_when=failed)
@blp.arguments(s.ResidentTokenRequest())
@blp.response(200, s.ResidentToken)
@blp.alt_response(401, schema=ErrorSchema, description="验证码错误或已失效 / wrong or expired code")
@blp.alt_response(429, schema=ErrorSchema, description="失败次数过多 / too many failed attempts")
def token(data):
    """用验证码登录，换取访问令牌 / Sign in with the code and get a bearer token

    首次登录（或规则更新后）`consent_required` 为 true：先 `GET /resident/privacy` 阅读，再
    `POST /resident/consent` 同意，此前令牌只能做这两件事。/ At the first sign-in (or after the notice
    changed) `consent_required` is true: read it, agree to it; until then the token does nothing else."""
    signed_in = codes.sign_in(data["tenant"], data["phone"], data["code"])
    if signed_in is None:
        db.session.commit()  # the wrong try counts, although the answer is a refusal
        abort(401, message=WRONG_CODE)
    return signed_in


@blp.route("/auth/logout", methods=["POST"], endpoint="logout")
@for_residents
@blp.response(204)
def logout():
    """退出登录（本账号此前的令牌全部失效）/ Sign out (every token issued before ends)"""
    codes.sign_out(me_account())


@blp.route("/privacy")
@for_residents
@blp.response(200, s.NoticeOut)
def privacy():
    """个人信息处理规则（当前版本）/ The privacy notice in force"""
    account = me_account()
    notice = consent.current_notice()
    return {"version": notice.version, "text_zh": notice.text_zh, "text_en": notice.text_en,
            "published_at": notice.published_at, "agreed": account.consented_version == notice.version}


@blp.route("/consent", methods=["POST"])
@for_residents
@blp.arguments(s.ConsentIn())
@blp.response(200, s.ConsentOut)
@blp.alt_response(409, schema=ErrorSchema, description="规则已更新 / the notice has changed")
def agree(data):
    """同意个人信息处理规则 / Agree to the privacy notice (its current version)"""
    account = me_account()
    consent.consent(account, data["version"])
    return {"consented_version": account.consented_version, "consented_at": account.consented_at}


@blp.route("/me")
@for_residents
@blp.response(200, s.ResidentMeOut)
@blp.alt_response(403, schema=ErrorSchema, description="须先同意个人信息处理规则 / the notice must be agreed to first")
def me():
    """我的信息：手机号（脱敏）和名下的住户 / Who I am: my number (masked) and my households"""
    account = consented_account()
    households = my_households(account.phone)
    return {"phone": mask_phone(account.phone), "households": households,
            "consented_version": account.consented_version, "privacy_version": consent.current_notice().version}


# --- my tickets (tickets.py) --------------------------------------------------------------------


def with_details(ticket):
    """The ticket with what a resident reads of it besides its fields (MyTicketDetail)."""
    ticket.steps = tickets.steps(ticket)
    ticket.promise = tickets.promise(ticket)
    ticket.photos = tickets.photos(ticket)
    ticket.service_phone = tickets.service_phone(tickets.community_of(ticket.community_id))
    return ticket


@blp.route("/tickets/options")
@for_residents
@blp.arguments(s.OptionsQuery(), location="query")
@blp.response(200, s.OptionsOut)
@blp.alt_response(404, schema=ErrorSchema, description="不是我名下的住户 / not one of my households")
def ticket_options(args):
    """报事选项：社区的工单类别、可报的类型、服务电话、照片限制 / What a report of this household may be:
    the community's categories, the kinds, its service phone, the photo limits"""
    account = consented_account()
    community = tickets.community_of(tickets.own_household(account.phone, args["household_id"]).community_id)
    return {"categories": tickets.categories(community), "kinds": [k.value for k in tickets.KINDS],
            "service_phone": tickets.service_phone(community), "max_photos": tickets.MAX_PHOTOS,
            "photo_max_bytes": tickets.PHOTO_MAX_BYTES}


@blp.route("/tickets")
@for_residents
@blp.arguments(s.MyTicketQuery(), location="query")
@blp.response(200, page_schema(s.MyTicketOut))
def my_tickets(args):
    """我家的工单（默认最新在前；同一户任何人报的、工作人员代为登记的都在内）/ My households' tickets, newest
    first (whoever of the household reported it, staff's typing included)"""
    account = consented_account()
    query = tickets.my_tickets(account.phone)
    if args.get("household_id"):
        query = query.where(Ticket.household_id == args["household_id"])
    return paginate(query, Ticket, args)


@blp.route("/tickets", methods=["POST"])
@for_residents
@blp.arguments(s.ReportIn())
@blp.response(201, s.MyTicketDetail)
@blp.alt_response(404, schema=ErrorSchema, description="不是我名下的住户 / not one of my households")
def report(data):
    """报修、投诉、咨询、建议（为我名下的一户）/ Report a repair, complaint, inquiry or suggestion for one of
    my households

    照片随后上传：`POST /resident/tickets/{id}/photos`。时限按社区的承诺（默认“5341”）计算。/ Photos
    follow: `POST /resident/tickets/{id}/photos`. Deadlines are the community's promise ("5341" by default)."""
    account = consented_account()
    ticket = tickets.report(account, data)
    commit()  # the ticket and its event (staff are notified), before anything else
    return with_details(tickets.my_ticket(account.phone, ticket.id))


@blp.route("/tickets/<int:ticket_id>")
@for_residents
@blp.response(200, s.MyTicketDetail)
@blp.alt_response(404, schema=ErrorSchema)
def my_ticket(ticket_id):
    """我家的一张工单：进度（白话）、承诺时限、照片、服务电话 / One of my households' tickets: its steps in plain
    words, the promise, the photos, the service phone"""
    account = consented_account()
    return with_details(tickets.my_ticket(account.phone, ticket_id))


@blp.route("/tickets/<int:ticket_id>/photos", methods=["POST"])
@for_residents
@blp.arguments(s.PhotosIn(), location="files")
@blp.response(201, s.MyTicketDetail)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="工单已办结 / the ticket is no longer open")
def add_photos(files, ticket_id):
    """上传照片（可多张，字段名 photos）/ Add photos (one or more, each as `photos`)

    JPEG/PNG/WEBP，每张不超过 5 MiB，每单居民最多 6 张，工单办结前。/ JPEG, PNG or WEBP, 5 MiB each at
    most, 6 per ticket from residents, while the ticket is open."""
    account = consented_account()
    ticket = tickets.my_ticket(account.phone, ticket_id)
    tickets.add_photos(ticket, request.files.getlist("photos"), account)
    return with_details(ticket)


@blp.route("/tickets/<int:ticket_id>/photos/<int:attachment_id>")
@for_residents
@blp.response(200, description="照片 / the photo")
@blp.alt_response(404, schema=ErrorSchema)
def ticket_photo(ticket_id, attachment_id):
    """工单照片 / A photo of the ticket"""
    account = consented_account()
    ticket = tickets.my_ticket(account.phone, ticket_id)
    return attachment_response(ticket, tickets.photo(ticket, attachment_id).id)


@blp.route("/tickets/<int:ticket_id>/rating", methods=["PUT"])
@for_residents
@blp.arguments(s.MyRatingIn())
@blp.response(200, s.MyTicketDetail)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="未办结或已评价 / not resolved, or rated already")
def rate(data, ticket_id):
    """评价（办结后，1–5 分，每次办结一次；评价后工单关闭）/ Rate it once resolved (1–5, once per resolution;
    closes the ticket). 更正评价须联系工作人员 / a correction is for staff"""
    account = consented_account()
    ticket = tickets.my_ticket(account.phone, ticket_id, lock=True)
    return with_details(tickets.rate(account, ticket, data["rating"], data.get("comment")))
