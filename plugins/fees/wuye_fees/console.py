"""The plugin's pages in wuye's web console (hook `wuye_console`, docs/plugins.md §3.2).

One blueprint, `pages`, mounted by the core under /console/plugins/fees behind the same gate as
the API. Each area adds its pages in its own module (`console_<area>.py`, imported at the end of
this file), its templates under templates/fees/ and its stylesheet as static/fees-<area>.css; the
tabs are in `_layout.html`:

- `/communities/<id>`                                         overview: figures, what needs doing
- `/communities/<id>/units`, `/units/<id>`, `/communities/<id>/rates`, `/communities/<id>/bills`,
  `/bills/<id>`, `/communities/<id>/billing`, `/communities/<id>/discounts`        (console_billing)
- `/communities/<id>/cashier`, `/communities/<id>/payments`, `/payments/<id>`,
  `/communities/<id>/arrears`                                                      (console_payments)
- `/communities/<id>/collection`, `/communities/<id>/reminders`                    (console_figures)
- `/communities/<id>/entries`, `/communities/<id>/gap`, `/communities/<id>/statements`,
  `/statements/<id>`                                                               (console_ledger)
- `/communities/<id>/import` (the ledger's import, and the exports' forms)         (console_exchange)
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    ConsolePart,
    MenuEntry,
    Message,
    Panel,
    Site,
    db,
    domain_errors,
    plugin_communities,
    render_page,
    require_staff,
)

from . import vocab
from .access import CASHIER, MANAGER, NAME
from .money import yuan

pages = Blueprint("fees_console", __name__, template_folder="templates", static_folder="static")

# the areas' stylesheets, linked by _layout.html in this order
STYLESHEETS = ("fees.css", "fees-billing.css", "fees-payments.css", "fees-ledger.css", "fees-figures.css",
               "fees-exchange.css")


# --- helpers shared by the areas' pages ------------------------------------------------------------


def communities() -> list[Community]:
    """The communities where the plugin is on and the caller reads, by name."""
    require_staff()
    ids = plugin_communities(NAME)
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.name)).all())


def community(community_id: int) -> Community:
    return db.session.get(Community, community_id)  # the gate found it in the tenant


def sites(community_id: int) -> list[Site]:
    """The community's sites, by name (forms' choices, tables' columns)."""
    return list(db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.name)).all())


def query(schema) -> tuple[dict, dict]:
    """A page's query string through the API's query schema, by the names the query string uses
    (`from`, `to`: fields whose data_key differs); empty inputs left out. A wrong value is shown
    (in the reader's language) and the page falls back to its defaults."""
    names = {field.data_key or name for name, field in schema.fields.items()}
    values = {k: v for k, v in request.args.items() if v != "" and k in names}
    try:
        return schema.load(values), {}
    except ValidationError as exc:
        return schema.load({}), _translated(dict(exc.messages))


def _translated(messages):
    """A marshmallow error structure in the reader's language: our messages (`N_`) and
    marshmallow's own (the core's catalog)."""
    from flask_babel import gettext

    if isinstance(messages, dict):
        return {key: _translated(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [_translated(m) for m in messages]
    if isinstance(messages, Message):
        return messages.translate()
    return gettext(messages) if isinstance(messages, str) else messages


def refusal(exc: Exception) -> tuple[dict, int]:
    """A service's refusal as a form shows it: errors by field, and its status (403, 409, 422…);
    anything else is not a refusal and goes on up."""
    errors = domain_errors(exc)
    if errors is None:
        raise exc
    return errors, getattr(exc, "code", None) or getattr(exc, "status", None) or 422


def choices(vocabulary: dict) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary for a <select>, in the reader's language."""
    return [(code, vocab.label(vocabulary, code)) for code in vocabulary]


# money in templates: {{ bill.amount_fen|yuan }} → 123.45; {{ total|yuan(true) }} → 1,234.50
pages.add_app_template_filter(yuan, "yuan")


@pages.context_processor
def _layout():
    return {"fees_stylesheets": STYLESHEETS}


# --- pages ------------------------------------------------------------------------------------------


@pages.route("/")
def index():
    """物业费: the caller's communities; with one, straight to its overview."""
    found = communities()
    if len(found) == 1:
        return redirect(url_for(".overview", community_id=found[0].id))
    return render_page("fees/index.html", communities=found)


@pages.route("/communities/<int:community_id>")
def overview(community_id):
    """A community's fees at a glance: its figures and what needs doing (figures.py)."""
    from .figures import overview_figures

    return render_page("fees/overview.html", community=community(community_id), tab="overview",
                       figures=overview_figures(community_id))


def _panel(community_ids) -> str:
    from .figures import panel

    return panel(community_ids)


def console_part() -> ConsolePart:
    return ConsolePart(
        blueprint=pages,
        menu=(MenuEntry("fees", label_zh="物业费", label_en="Property fees", endpoint="index",
                        roles=(MANAGER, CASHIER), order=80),),
        panels=(Panel("fees", title_zh="物业费收缴", title_en="Fee collection", render=_panel),),
    )


# the areas' pages, on the same blueprint (imported last: they import this module)
from . import (  # noqa: E402,F401
    console_billing,
    console_exchange,
    console_figures,
    console_ledger,
    console_payments,
)
