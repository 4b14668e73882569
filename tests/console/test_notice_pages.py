"""公告 at the console (console/notices.py): the list with read figures, the publishing form with
the audience picker (a refusal shown next to the field it names), a notice's page with its
figures, its text messages, the households that have not read it, withdrawing it; no publishing
for a read-only user; the menu entry for readers."""

from __future__ import annotations

import logging
import re

import pytest

from tests.console import pages
from tests.test_notices import PHONE, SMS_LOG, resident, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _ok(response):
    response.status_code = 200  # the page that shows a refusal follows the same rules
    return response


def test_publish_a_building_notice_follow_its_readers_and_withdraw_it(wuye_app, world, caplog):  # noqa: F811
    tenant, ids = world
    console = tenant.console()
    home = console.get("/console/")
    assert 'href="/console/notices"' in home.text  # the menu

    form = console.get("/console/notices/new")
    assert form.status_code == 200 and pages.problems(form) == []
    assert "2栋" in form.text and "201" in form.text  # the picker: buildings and rooms

    # a building of the audience "building" left out: said next to the field
    refused = console.post("/console/notices", data={
        "community_id": ids["community"], "audience": "building", "title": "停电", "body": "明天停电。"})
    assert refused.status_code == 422 and pages.problems(_ok(refused)) == []
    assert 'id="e-building_id"' in refused.text and "此发布范围须填写此项" in refused.text
    assert 'value="停电"' in refused.text  # what was typed stays

    sent = console.post("/console/notices", data={
        "community_id": ids["community"], "audience": "building", "building_id": ids["building"],
        "site_id": ids["site"], "household_ids": [ids["household2"]],  # other audiences' choices: not sent on
        "kind": "ordinary", "title": "1栋停电", "body": "明天上午停电。", "valid_from": "2026-01-01T08:00"})
    assert sent.status_code == 302, text_of(sent.text)[:2000]
    detail = console.get(sent.headers["Location"])
    assert detail.status_code == 200 and pages.problems(detail) == []
    shown = text_of(detail.text)
    assert "1栋停电" in shown and "明天上午停电。" in shown and "1 户中 0 户已读" in shown, shown
    assert "101" in shown  # the household that has not read it yet

    notice_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    reader = resident(wuye_app, caplog)
    assert reader.get(f"/api/v1/resident/notices/{notice_id}").status_code == 200
    detail = console.get(f"/console/notices/{notice_id}")
    assert "(100.0%)" in text_of(detail.text)
    unread = console.get(f"/console/notices/{notice_id}", query_string={"read": "false"})
    assert "101" not in text_of(unread.text.split('id="h-households"')[1])
    listed = console.get("/console/notices")
    assert listed.status_code == 200 and pages.problems(listed) == []
    assert f'href="/console/notices/{notice_id}"' in listed.text and "(100.0%)" in text_of(listed.text)

    withdrawn = console.post(f"/console/notices/{notice_id}/withdraw", data={"reason": "时间改了"})
    assert withdrawn.status_code == 302
    page = console.get(f"/console/notices/{notice_id}")
    assert "已撤回" in page.text and "时间改了" in page.text and "撤回公告</button>" not in page.text
    assert "h-withdraw" not in page.text
    again = console.post(f"/console/notices/{notice_id}/withdraw", data={})
    assert again.status_code == 409 and "已撤回" in again.text and pages.problems(_ok(again)) == []
    assert reader.get("/api/v1/resident/notices").get_json()["total"] == 0


def test_an_urgent_notice_shows_its_text_messages(wuye_app, world, caplog):  # noqa: F811
    tenant, ids = world
    console = tenant.console()
    with caplog.at_level(logging.WARNING, logger=SMS_LOG):
        sent = console.post("/console/notices", data={
            "community_id": ids["community"], "audience": "community", "kind": "urgent", "category": "weather",
            "title": "暴雨预警", "body": "今晚有暴雨，请关好门窗。"})
    assert sent.status_code == 302, text_of(sent.text)[:2000]
    page = console.get(sent.headers["Location"])
    shown = text_of(page.text)
    assert "紧急" in shown and "极端天气" in shown and "已发送 2 个手机号" in shown, shown


def test_a_read_only_user_reads_but_does_not_publish(wuye_app, world):  # noqa: F811
    tenant, ids = world
    made = tenant.admin.post("/api/v1/notices", json={"community_id": ids["community"], "audience": "community",
                                                       "title": "通知", "body": "正文"}).get_json()
    tenant.user("viewer", "readonly", [ids["community"]])
    viewer = tenant.console("viewer", "password-123")
    listed = viewer.get("/console/notices")
    assert listed.status_code == 200 and "/console/notices/new" not in listed.text
    assert viewer.get("/console/notices/new").status_code == 403
    page = viewer.get(f"/console/notices/{made['id']}")
    assert page.status_code == 200 and "h-withdraw" not in page.text
    assert viewer.post(f"/console/notices/{made['id']}/withdraw", data={}).status_code == 403
