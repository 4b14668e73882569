"""属地监管 at the console (#18 items 2, 5, 7): the street's readers find the linked companies in
the menu, read their tickets of the linked sites (masked, read-only banner, no action) and the
street-wide comparison with its workbook; a tenant without such a link has no menu entry; the
pages follow the console's rules (tests/console/pages.py)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.console import pages
from tests.test_supervision_api import NAME, PHONE, linked  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _clean(html: str):
    assert PHONE not in html and PHONE[-4:] not in html and NAME not in html and "别处" not in html


def test_the_street_reads_its_companies_at_the_console(linked):  # noqa: F811
    street, company = linked["street"], linked["company"]
    console = street.console()
    home = console.get("/console/")
    assert 'href="/console/supervision"' in home.text and "属地监管" in home.text and "街道汇总" in home.text

    page = console.get("/console/supervision")
    assert page.status_code == 200 and pages.problems(page) == []
    assert "幸福物业" in page.text and "街小区" in page.text and "属地监管 · 只读" in page.text

    listed = console.get(f"/console/supervision/{company.id}/tickets")
    assert listed.status_code == 200 and pages.problems(listed) == [], pages.problems(listed)
    _clean(listed.text)
    for tid in linked["inside"]:
        assert f"/console/supervision/{company.id}/tickets/{tid}" in listed.text
    filtered = console.get(f"/console/supervision/{company.id}/tickets", query_string={"status": "closed"})
    assert "楼道灯坏" in filtered.text and "电梯停运" not in filtered.text
    bad = console.get(f"/console/supervision/{company.id}/tickets", query_string={"sort": "nonsense"})
    assert bad.status_code == 422 and pages.problems(_ok(bad)) == []

    detail = console.get(f"/console/supervision/{company.id}/tickets/{linked['inside'][1]}")
    assert detail.status_code == 200 and pages.problems(detail) == [], pages.problems(detail)
    _clean(detail.text)
    assert "属地监管 · 只读" in detail.text and "王**" in detail.text and detail.text.count('method="post"') == 1  # sign-out only
    assert "timeline" in detail.text and "维修一班" not in detail.text  # no team, no staff
    assert console.get(f"/console/supervision/{company.id}/tickets/{linked['outside']}").status_code == 404

    figures = console.get("/console/supervision/street-figures")
    assert figures.status_code == 200 and pages.problems(figures) == [], pages.problems(figures)
    assert "幸福物业" in figures.text and "街社区" in figures.text and "data-chart=" in figures.text
    export = console.get("/console/supervision/street-figures.xlsx")
    assert export.status_code == 200
    sheet = list(load_workbook(io.BytesIO(export.get_data()), read_only=True)["街道汇总"].iter_rows(values_only=True))
    assert [row[1] for row in sheet[1:]] == ["径河街道", "幸福物业", "径河街道"]
    wrong = console.get("/console/supervision/street-figures", query_string={"from": "2026-02-01", "to": "2026-01-01"})
    assert wrong.status_code == 422 and pages.problems(_ok(wrong)) == []

    # ended: nothing more, at once
    assert company.admin.post(f"/api/v1/service-links/{linked['link']}/revoke", json={}).status_code == 200
    assert console.get(f"/console/supervision/{company.id}/tickets").status_code == 404
    assert console.get(f"/console/supervision/{company.id}/tickets/{linked['inside'][1]}").status_code == 404
    assert 'href="/console/supervision"' not in console.get("/console/").text


def _ok(response):
    response.status_code = 200  # the page that shows the refusal follows the same rules
    return response


def test_no_menu_entry_without_a_link_and_nothing_for_others(linked):  # noqa: F811
    street, company, s_ids = linked["street"], linked["company"], linked["s_ids"]
    assert 'href="/console/supervision"' not in company.console().get("/console/").text  # it serves, reads nobody
    street.user("c2", "community_staff", [linked["s_other_community"]])
    clerk = street.console("c2", "password-123")
    assert 'href="/console/supervision"' not in clerk.get("/console/").text
    assert clerk.get(f"/console/supervision/{company.id}/tickets").status_code == 404
    street.user("w", "worker", [s_ids["community"]])
    worker = street.console("w", "password-123")
    assert worker.get("/console/supervision").status_code == 403
    assert worker.get(f"/console/supervision/{company.id}/tickets").status_code == 403
