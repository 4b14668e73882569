"""The console pages of the exchange area (see console.py): tab "exchange".

- `/communities/<id>/import`                 the ledger's import — the template to download, the
  upload form, the result (what was made) or the row errors as a table — and the export forms
  (bills of a period, the payments journal of some days), with the recent imports
- `/communities/<id>/ledger-template.xlsx`   the template (as the API's)
- `/communities/<id>/bills.xlsx`, `/communities/<id>/payments.xlsx`   the exports (as the API's,
  audited); a wrong filter shows the page again with the message next to the field

The fee manager's (a cashier: 403), the same services as the API.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import attempt, db, render_page, staff_names

from . import exports, ledger_import, vocab
from .access import require_manager
from .console import choices, community, pages, query, sites
from .i18n import _
from .models import LedgerImport

RECENT = 10


def _page(community_id: int, status: int = 200, **context):
    recent = list(db.session.scalars(select(LedgerImport).where(LedgerImport.community_id == community_id)
                                     .order_by(LedgerImport.id.desc()).limit(RECENT)))
    names = staff_names(sorted({r.imported_by for r in recent}))
    context.setdefault("import_errors", [])
    context.setdefault("error_table", [])
    context.setdefault("bill_problems", {})
    context.setdefault("payment_problems", {})
    context.setdefault("result", None)
    return render_page(
        "fees/import_exchange.html", community=community(community_id), tab="exchange", recent=recent, names=names,
        site_choices=[(str(s.id), s.name) for s in sites(community_id)],
        statuses=choices(vocab.BILL_STATUSES), kinds=choices(vocab.UNIT_KINDS),
        methods=choices(vocab.PAYMENT_METHODS), journal_kinds=choices(vocab.PAYMENT_KINDS),
        max_rows=ledger_import.MAX_ROWS, max_mib=ledger_import.MAX_BYTES // 1024 // 1024, values=request.args,
        **context), status


@pages.route("/communities/<int:community_id>/import", methods=["GET", "POST"])
def exchange(community_id):
    """导入与导出: the ledger's import and the exports."""
    identity = require_manager(community_id)
    if request.method == "GET":
        result = None
        shown = request.args.get("done", type=int)
        if shown:
            record = db.session.get(LedgerImport, shown)
            if record is not None and record.community_id == community_id:
                result = record
        return _page(community_id, result=result)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(community_id, 422, import_errors=[_("Choose the filled-in ledger (.xlsx).")])
    data = upload.stream.read(ledger_import.MAX_BYTES + 1)
    table: list = []
    count: list = []

    def run():
        try:
            return ledger_import.import_ledger(community_id, data, upload.filename, identity.username)
        except ledger_import.LedgerErrors as exc:
            table.extend(exc.table)
            count.append(exc.count)
            raise

    record, problems, status = attempt(run)
    if not problems:
        return redirect(url_for(".exchange", community_id=community_id, done=record.id) + "#result", code=303)
    messages = [m for found in problems.values() for m in found]
    if table:
        rows = [(number, column, message.translate() if hasattr(message, "translate") else str(message))
                for number, column, message in table]
        return _page(community_id, status, error_table=rows, error_total=count[0])
    return _page(community_id, status, import_errors=messages)


@pages.route("/communities/<int:community_id>/ledger-template.xlsx")
def ledger_template(community_id):
    require_manager(community_id)
    return ledger_import.template_download(community_id)


@pages.route("/communities/<int:community_id>/bills.xlsx")
def bills_export(community_id):
    """Bills of the form's filters (audited); a wrong filter: the page again, naming it."""
    require_manager(community_id)
    args, problems = query(exports.BillExportArgs())
    if not problems:
        exported, refused, status = attempt(lambda: exports.bills_export(community_id, args))
        if not refused:
            return exported
        problems = refused
    return _page(community_id, 422, bill_problems=problems)


@pages.route("/communities/<int:community_id>/payments.xlsx")
def payments_export(community_id):
    """The payments journal of the form's days (audited); a wrong filter: the page again."""
    require_manager(community_id)
    args, problems = query(exports.PaymentExportArgs())
    if not problems:
        exported, problems, _status = attempt(lambda: exports.payments_export(community_id, args))
        if not problems:
            return exported
    return _page(community_id, 422, payment_problems=problems)
