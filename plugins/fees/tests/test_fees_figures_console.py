"""The console's pages of the figures area: the overview's figures and "needs doing", the
collection tab (site × month table, chart, ageing, export link), the home page's panel."""

from __future__ import annotations

from datetime import timedelta

from _fees_rows import C, bill, unit, world

from wuye_core.plugins import local_today


def _rows(w):
    today = local_today()
    u = unit(w.tenant, w.cid, w.site, "1栋101", unit_id=w.ids["unit"])
    bill(w.tenant, w.cid, w.site, u, 10000, f"{today.year}-01", w.ids["household"], paid_fen=4000,
         due_on=today - timedelta(days=100))
    return u


def test_overview_and_todo(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _rows(w)
    console = w.tenant.console("mgr", "password-123")
    r = console.get(f"{C}/communities/{w.cid}?lang=en")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Collection rate this year" in page and "Needs doing" in page
    assert 'data-todo="billed"' in page and "are not generated yet" in page
    assert "Units more than 90 days in arrears: 1" in page
    assert f'href="/console/plugins/fees/communities/{w.cid}/collection"' in page
    assert "fees-figures.css" in page


def test_collection_tab(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _rows(w)
    year = local_today().year
    console = w.tenant.console("clerk", "password-123")  # anyone who reads the community
    r = console.get(f"{C}/communities/{w.cid}/collection?lang=en")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert 'aria-current="page">Collection<' in page
    assert f'data-site="{w.site}"' in page and "40.0%" in page and "40.00 / 100.00" in page
    assert 'class="chart"' in page and "data-chart='" in page and "echarts" in page
    assert 'data-bucket="d91_180"' in page and "60.00" in page
    assert f'href="/console/plugins/fees/communities/{w.cid}/collection.xlsx?year={year}"' in page
    assert "<script>" not in page and "style=" not in page
    r = console.get(f"{C}/communities/{w.cid}/collection.xlsx?year={year}")
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    # a year without bills: no chart, dashes
    page = console.get(f"{C}/communities/{w.cid}/collection?year={year - 3}&lang=en").get_data(as_text=True)
    assert "data-chart" not in page
    # a wrong year is shown, the page falls back to this one
    r = console.get(f"{C}/communities/{w.cid}/collection?year=abc&lang=en")
    assert r.status_code == 200 and "year" in r.get_data(as_text=True)


def test_home_panel(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _rows(w)
    home = w.tenant.console("mgr", "password-123").get("/console/?lang=en")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert f'href="/console/plugins/fees/communities/{w.cid}"' in page and "40.0%" in page
