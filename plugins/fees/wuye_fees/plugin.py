"""Hook implementations of the plugin `fees` (物业费、补贴与公示); see wuye's docs/plugins.md.

The package's modules, one concept each: money in fen (`money`), billing periods (`periods`),
fee units and their areas (`units`), rates (`rates`), generating bills (`billing`), discounts and
waivers (`discounts`), payments and how they settle bills (`payments`), receipts (`receipts`),
refunds and reversals (`refunds`), payments reported by a payment-provider plugin
(`provider_payments`), arrears and their ageing (`arrears`), collection figures (`figures`),
reminders (`reminders`), other income and spending (`entries`), the quarterly statements and their
publication (`statements`), the ledger's import and the exports (`ledger_import`, `exports`);
`routes_*` are the API, `console_*` the console's pages, `resident` the residents' phone pages,
`access` who may do what, `config` the per-community settings, `rights` residents' copies and
erasures, `demo` demo data.
"""

from __future__ import annotations

from pathlib import Path

from wuye_core.plugins import Household, PluginInfo, Role, Site, hookimpl

from .access import CASHIER, MANAGER, NAME
from .config import Config
from .models import (
    MODELS,
    Bill,
    BillingRun,
    Discount,
    Entry,
    FeeRate,
    FeeUnit,
    LedgerImport,
    Payment,
    Statement,
)

# each area's API blueprint (routes_<area>.blp)
ROUTE_MODULES = ("routes_billing", "routes_payments", "routes_figures", "routes_ledger", "routes_exchange")


@hookimpl
def wuye_plugin_info():
    return PluginInfo(
        name=NAME,
        version="0.1.0",
        title_zh="物业费",
        title_en="Property fees",
        description="Rates per site and kind of unit, bills made per period (idempotent), discounts and "
        "waivers with their approver, payments and receipts, refunds and reversals in an append-only journal, "
        "online payments from payment-provider plugins, arrears and their ageing, collection rates, "
        "reminders, other income, subsidies and spending, and the quarterly public statement.",
        api_version="1.13",  # correct_disclosure (statements.correct), webhooks, send_sms
    )


@hookimpl
def wuye_blueprints():
    from importlib import import_module

    return [import_module(f".{module}", __package__).blp for module in ROUTE_MODULES]


@hookimpl
def wuye_console():
    from .console import console_part

    return console_part()


@hookimpl
def wuye_resident_pages():
    """我的物业费 on the residents' phones: what the household owes, its bills, payments and
    receipts (resident.py)."""
    from .resident import resident_part

    return resident_part()


@hookimpl
def wuye_route_objects():
    """What each id in the plugin's URLs names: the core gates every route by its community."""
    return {
        "fee_unit_id": FeeUnit,
        "rate_id": FeeRate,
        "run_id": BillingRun,
        "bill_id": Bill,
        "discount_id": Discount,
        "payment_id": Payment,
        "entry_id": Entry,
        "statement_id": Statement,
        "import_id": LedgerImport,
        "household_id": Household,
        "site_id": Site,
        "year": None,
        "quarter": None,
        "period": None,
        "filename": None,  # the console's stylesheet
    }


@hookimpl
def wuye_models():
    return list(MODELS)


@hookimpl
def wuye_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def wuye_config_schema():
    return Config


@hookimpl
def wuye_roles():
    # can_read: both read the register (a bill names its household and unit); neither writes it.
    return [
        Role(MANAGER, "收费主管", "Fee manager", can_read=True, can_write=False, sees_personal_data=True),
        Role(CASHIER, "收费员", "Cashier", can_read=True, can_write=False, sees_personal_data=True),
    ]


# --- bills made each period, reminders (billing.py, reminders.py) ---------------------------------


@hookimpl
def wuye_jobs():
    from .billing import JOBS as BILLING_JOBS
    from .reminders import JOBS as REMINDER_JOBS

    return {**BILLING_JOBS, **REMINDER_JOBS}


@hookimpl
def wuye_schedules():
    from .billing import SCHEDULES as BILLING_SCHEDULES
    from .reminders import SCHEDULES as REMINDER_SCHEDULES

    return [*BILLING_SCHEDULES, *REMINDER_SCHEDULES]


# --- online payments reported by a payment-provider plugin (provider_payments.py) ------------------


@hookimpl
def wuye_plugin_event(event):
    from .provider_payments import on_plugin_event

    on_plugin_event(event)


# --- figures (figures.py) -------------------------------------------------------------------------


@hookimpl
def wuye_dashboard_figures(community_id, config):
    from .figures import dashboard_figures

    return dashboard_figures(community_id, config)


@hookimpl
def wuye_report_sections(community_id, period_start, period_end, config):
    from .figures import report_sections

    return report_sections(community_id, period_start, period_end, config)


# --- residents' rights (rights.py) -----------------------------------------------------------------


@hookimpl
def wuye_resident_personal_data(phone, resident_ids):
    """The bills and payments of the resident's households; units whose payer is them (rights.py)."""
    from .rights import personal_data

    return personal_data(resident_ids, phone)


@hookimpl
def wuye_resident_erase(phone, resident_ids):
    """The resident's deletion was approved: a unit's payer named by their phone is anonymised;
    bills and payments stay (accounting records the law keeps) without their name (rights.py)."""
    from .rights import erase

    return erase(resident_ids, phone)


# --- demo data (demo.py) --------------------------------------------------------------------------


@hookimpl
def wuye_demo_data(community_id, config, today):
    from .demo import add_demo_data

    add_demo_data(community_id, config, today)
