"""A ticket's whole life by clicking, in a real browser: taken at the one-stop window, dispatched
in the dialog, worked by the repair worker on a phone (375 px: arrival, a photo, resolution),
rated by the staff; the history shows every step."""

from __future__ import annotations

import re

import pytest

from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

def _png(size: int = 8) -> bytes:
    """A real size×size red PNG (the upload's type is checked from its content; the browser draws it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xb8\x28\x2e" * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways on a phone: {width} px"


def test_a_ticket_from_the_window_to_the_rating(wuye_make_tenant, wuye_register, wuye_app, wuye_live_server,
                                                wuye_page, wuye_browser, tmp_path):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    t.user("weixiu", "worker", [ids["community"]])
    accept_password(wuye_app, "acme", "admin")
    accept_password(wuye_app, "acme", "weixiu")
    page = wuye_page
    problems = page_problems(page)
    browser_sign_in(page, wuye_live_server, "acme", "admin", "admin-pass-123")

    # the one-stop window: a call taken, the first field focused
    page.get_by_role("link", name="一站式窗口").click()
    assert page.evaluate("document.activeElement.name") == "channel"
    page.get_by_label("类别").select_option("水电维修")
    page.get_by_label("标题").fill("卫生间水管漏水")
    page.get_by_label("描述").fill("楼下天花板渗水")
    page.get_by_label("报事人姓名").fill("李四")
    page.get_by_label("报事人电话").fill("13912345678")
    page.get_by_role("button", name="提交工单").click()
    page.wait_for_url(re.compile(r".*/console/tickets/\d+$"))
    ticket_url = page.url
    assert page.get_by_role("heading", level=1).inner_text().endswith("卫生间水管漏水")
    assert "已登记" in page.locator(".flash").inner_text()

    # dispatch in the dialog, to the worker
    page.get_by_role("button", name="派单…").click()
    dialog = page.locator("dialog#dispatch-dialog")
    assert dialog.is_visible()
    dialog.get_by_label("处理人").select_option(label="weixiu")
    dialog.get_by_role("button", name="派单", exact=True).click()
    page.wait_for_url(ticket_url)
    assert "已派单" in page.locator(".ticket-state").inner_text()

    # the worker, on a phone: the queue, arrival, a photo, resolution
    phone = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                     viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        w = phone.new_page()
        w_problems = page_problems(w)
        browser_sign_in(w, wuye_live_server, "acme", "weixiu", "password-123")
        w.goto(wuye_live_server + "/console/tickets?mine=true")
        assert w.get_by_role("heading", level=1).inner_text() == "我的工单"
        _no_sideways_scroll(w)
        w.get_by_role("link", name="卫生间水管漏水").click()
        w.wait_for_url(ticket_url)
        _no_sideways_scroll(w)
        assert "139****5678" in w.content()  # a worker sees the reporter's phone masked
        w.get_by_role("button", name="已到场").click()
        w.wait_for_url(ticket_url)
        assert "已记录到场" in w.locator(".flash").inner_text()
        photo = tmp_path / "现场.png"
        photo.write_bytes(_png())
        w.get_by_label("添加照片（JPEG、PNG、WEBP）或 PDF").set_input_files(str(photo))
        w.locator("#file-preview img").wait_for()  # previewed before it is sent
        w.get_by_role("button", name="上传").click()
        w.wait_for_url(re.compile(re.escape(ticket_url) + "(#files)?$"))
        img = w.locator("ul.photos img").first
        img.wait_for()
        w.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        assert w.evaluate("(img) => img.naturalWidth", img.element_handle()) == 8  # served, and drawn
        w.get_by_label("备注（选填）").fill("已更换水管")
        w.get_by_role("button", name="办结").click()
        w.wait_for_url(ticket_url)
        assert "已办结" in w.locator(".ticket-state").inner_text()
        _no_sideways_scroll(w)
        assert w_problems == []
    finally:
        phone.close()

    # the staff rate it on the return visit
    page.goto(ticket_url)
    page.get_by_label("4", exact=True).check()
    page.get_by_label("居民意见").fill("满意")
    page.get_by_role("button", name="记录评价").click()
    page.wait_for_url(ticket_url)
    assert "已关闭" in page.locator(".ticket-state").inner_text()
    history = page.locator("ol.timeline").inner_text()
    for step in ("已提交", "已派单", "已到场", "已办结", "已评价", "已关闭", "已更换水管"):
        assert step in history, step
    assert page.locator("ul.photos img").count() == 1

    # the list: the ticket, closed; the export link there
    page.get_by_role("link", name="工单", exact=True).first.click()
    assert page.get_by_role("link", name="卫生间水管漏水").is_visible()
    assert page.get_by_role("link", name="导出 Excel").is_visible()
    assert problems == []


def test_the_window_picks_a_household_by_keyboard_and_the_list_keeps_a_clean_address(
        wuye_make_tenant, wuye_register, wuye_app, wuye_live_server, wuye_page):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)  # 1栋 101, resident 张三 13800000000
    accept_password(wuye_app, "acme", "admin")
    page = wuye_page
    problems = page_problems(page)
    browser_sign_in(page, wuye_live_server, "acme", "admin", "admin-pass-123")
    page.goto(wuye_live_server + "/console/window")
    search = page.get_by_label("住户（可选）")
    search.fill("101")
    page.locator("ul.picker-list [data-pick]").first.wait_for()
    assert "张三" in page.locator("ul.picker-list").inner_text()
    search.press("ArrowDown")
    page.wait_for_function("() => document.activeElement && document.activeElement.hasAttribute('data-pick') "
                           "&& document.activeElement.textContent.trim().startsWith('张三')")
    page.keyboard.press("Enter")  # picks: the form is drawn again with the household and the reporter
    page.locator(".household-picker .picked").wait_for()
    assert "1栋 101" in page.locator(".household-picker .picked").inner_text()
    assert page.get_by_label("报事人姓名").input_value() == "张三"
    assert page.get_by_label("报事人电话").input_value() == "13800000000"
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'location'")
    page.get_by_label("类别").select_option("水电维修")
    page.get_by_label("标题").fill("家里停水")
    page.get_by_role("button", name="提交工单").click()
    page.wait_for_url(re.compile(r".*/console/tickets/\d+$"))
    item = t.admin.get("/api/v1/tickets").get_json()["items"][0]
    assert (item["household_id"], item["reporter_name"]) == (ids["household"], "张三")

    # the list's filters: only what is chosen goes in the address
    page.get_by_role("link", name="工单", exact=True).first.click()
    page.get_by_label("类型").select_option("repair")
    page.wait_for_url(re.compile(r".*kind=repair"))
    query = page.url.split("?", 1)[1]
    assert all(not part.endswith("=") for part in query.split("&")), page.url
    assert page.get_by_role("link", name="家里停水").is_visible()
    assert problems == []
