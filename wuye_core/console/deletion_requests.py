"""删除申请 at the console: the tenant admins' queue of residents' deletion requests (待处理 /
已删除 / 不予删除, paged), one request with what approving it would touch (the register rows, the
number of tickets whose reporter would be masked), and the two decisions — approve (erase or
anonymise, all or nothing) or refuse with a reason the resident reads. Every check and change is
the API's: resident_rights/erasure.py, its schemas, `require_tenant_admin`."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..api.access import require_tenant_admin
from ..api.pagination import paginate
from ..errors import NotFound
from ..resident_rights import erasure
from ..resident_rights import schemas as s
from ..resident_rights.models import DeletionRequest, RequestStatus
from .blueprint import bp
from .forms import attempt, console_form, form_values

STATUSES = {RequestStatus.pending.value: _l("Waiting"), RequestStatus.approved.value: _l("Erased"),
            RequestStatus.refused.value: _l("Refused")}
APPROVED = _l("The resident's personal information is erased; the tickets keep a masked reporter.")
REFUSED = _l("The request is refused; the resident reads your reason.")


@bp.route("/deletion-requests")
def deletion_requests():
    """删除申请：按状态（默认待处理），分页，最新在前。"""
    require_tenant_admin()
    schema = s.RequestQuery()
    values = form_values(schema, request.args)
    values.setdefault("status", RequestStatus.pending.value)
    args, errors = console_form(schema, values)
    if errors:
        args, _ = console_form(schema, {"status": RequestStatus.pending.value})
    query = select(DeletionRequest).where(DeletionRequest.status == RequestStatus(args["status"]))
    page = paginate(query, DeletionRequest, args)
    return render_template("console/deletion_requests/list.html", current="deletion_requests", page=page,
                           status=args["status"], statuses=STATUSES, errors=errors), 422 if errors else 200


def _page(request_id: int, errors: dict | None = None, status: int = 200):
    try:
        row = erasure.get_request(request_id)
    except NotFound:
        abort(404)
    return render_template("console/deletion_requests/detail.html", current="deletion_requests",
                           item=erasure.detail(row), statuses=STATUSES, errors=errors or {}), status


@bp.route("/deletion-requests/<int:request_id>")
def deletion_request(request_id: int):
    """一份删除申请：申请人、理由、批准后将移除的台账登记和将脱敏的工单数；批准或不予删除。"""
    require_tenant_admin()
    return _page(request_id)


@bp.route("/deletion-requests/<int:request_id>/approve", methods=["POST"])
def deletion_request_approve(request_id: int):
    """批准（与 API 的 POST …/approve 相同）。"""
    identity = require_tenant_admin()
    _row, errors, status = attempt(lambda: erasure.approve(request_id, identity))
    if status == 404:
        abort(404)
    if errors:
        return _page(request_id, errors, status)
    flash(str(APPROVED), "success")
    return redirect(url_for("console.deletion_request", request_id=request_id))


@bp.route("/deletion-requests/<int:request_id>/refuse", methods=["POST"])
def deletion_request_refuse(request_id: int):
    """不予删除，须说明理由（与 API 的 POST …/refuse 相同）。"""
    identity = require_tenant_admin()
    data, errors = console_form(s.RefuseIn())
    status = 422
    if not errors:
        _row, errors, status = attempt(lambda: erasure.refuse(request_id, identity, data["reason"]))
        if status == 404:
            abort(404)
        if not errors:
            flash(str(REFUSED), "success")
            return redirect(url_for("console.deletion_request", request_id=request_id))
    return _page(request_id, errors, status)
