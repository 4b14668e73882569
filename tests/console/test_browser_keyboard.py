"""The console by keyboard alone, in a real browser (#17 item 7): signing in with Tab, typing and
Enter; 'skip to content' is the first Tab stop and moves the focus to <main>; the focus is visible
on links, buttons and inputs (an outline or a box-shadow, computed); the ticket page's dispatch
dialog opens with the focus inside it, closes with Escape and gives the focus back to its button."""

from __future__ import annotations

import re

import pytest

from wuye_core.testing import accept_password, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), cls: e.className,
          text: (e.innerText || '').trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
          colour: s.outlineColor, shadow: s.boxShadow, in_dialog: !!e.closest('dialog'),
          opens: e.getAttribute('data-open-dialog')};
}"""


def _focused(page) -> dict:
    return page.evaluate(FOCUSED)


def _visible(focus: dict) -> bool:
    return (focus["outline"] != "none" and focus["width"] >= 2) or focus["shadow"] not in ("none", "")


def _tab_to(page, predicate, limit: int = 80) -> dict:
    """Tab until the focused element matches; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = _focused(page)
        if focus["tag"] in ("a", "button", "input", "select", "textarea"):
            assert _visible(focus), f"focus not visible on {focus}"
        if predicate(focus):
            return focus
    raise AssertionError("never reached by Tab")


def test_sign_in_by_keyboard_skip_link_and_visible_focus(wuye_make_tenant, wuye_app, wuye_live_server, wuye_page):
    wuye_make_tenant("acme")
    accept_password(wuye_app, "acme", "admin")
    page = wuye_page
    problems = page_problems(page)
    page.goto(wuye_live_server + "/console/sign-in")
    page.wait_for_load_state("networkidle")  # the icon too: leaving earlier aborts its request

    # the first Tab stop: 'skip to content', shown when focused; Enter moves the focus to <main>
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["tag"] == "a" and "skip" in skip["cls"] and skip["text"] == "跳到正文", skip
    assert _visible(skip)
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # on screen, not off to the left
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"

    # the form from there: Tab, type, Tab … Enter
    assert _tab_to(page, lambda f: f["name"] == "tenant")["tag"] == "input"
    page.keyboard.type("acme")
    assert _tab_to(page, lambda f: f["name"] == "username")["tag"] == "input"
    page.keyboard.type("admin")
    assert _tab_to(page, lambda f: f["name"] == "password")["tag"] == "input"
    page.keyboard.type("admin-pass-123")
    button = _tab_to(page, lambda f: f["tag"] == "button")
    assert button["text"] == "登录" and _visible(button)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/console/(\?.*)?$"))
    assert page.get_by_role("heading", level=1).is_visible()
    page.wait_for_load_state("networkidle")

    # signed in: skip first again, then the top bar (its ring white on the red bar) and the menu
    page.keyboard.press("Tab")
    assert "skip" in _focused(page)["cls"]
    topbar = _tab_to(page, lambda f: f["tag"] == "a" and "brand" in f["cls"])
    assert topbar["outline"] != "none" and topbar["colour"] == "rgb(255, 255, 255)", topbar
    menu_link = _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "工单")
    assert menu_link["colour"] != "rgb(255, 255, 255)"  # the blue ring on the white menu
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/console/tickets(\?.*)?$"))
    assert page.locator("nav#nav a[aria-current=page]").inner_text() == "工单"
    assert problems == []


def test_the_dispatch_dialog_by_keyboard(wuye_make_tenant, wuye_register, wuye_app, wuye_live_server, wuye_page):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "水电维修", "title": "厨房水管漏水", "reporter_name": "李四", "reporter_phone": "13912345678"})
    assert r.status_code == 201, r.get_json()
    ticket_id = r.get_json()["id"]
    accept_password(wuye_app, "acme", "admin")
    page = wuye_page
    problems = page_problems(page)
    page.goto(wuye_live_server + "/console/sign-in")
    page.fill("input[name=tenant]", "acme")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/console/(\?.*)?$"))
    page.goto(f"{wuye_live_server}/console/tickets/{ticket_id}")
    page.wait_for_load_state("networkidle")

    opener = _tab_to(page, lambda f: f["opens"] == "dispatch-dialog")
    assert opener["tag"] == "button" and _visible(opener)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#dispatch-dialog")
    assert dialog.is_visible()
    inside = _focused(page)
    assert inside["in_dialog"], f"the focus stayed outside the dialog: {inside}"
    assert _visible(inside)
    for _ in range(8):  # Tab stays in the (modal) dialog's form
        page.keyboard.press("Tab")
        focus = _focused(page)
        if focus["tag"] in ("a", "button", "input", "select", "textarea"):
            assert focus["in_dialog"] and _visible(focus), focus
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    back = _focused(page)
    assert back["opens"] == "dispatch-dialog", f"the focus did not return to the button: {back}"

    # the close button does the same
    page.keyboard.press("Enter")
    assert dialog.is_visible() and _focused(page)["in_dialog"]
    dialog.get_by_role("button", name="关闭").focus()
    page.keyboard.press("Enter")
    assert not dialog.is_visible()
    assert _focused(page)["opens"] == "dispatch-dialog"

    # sent with nobody chosen: the page comes back (422) with the dialog open, modal, the focus in it
    page.keyboard.press("Enter")
    dialog.get_by_role("button", name="派单", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert dialog.locator(".error, .form-error").count() or page.locator(".form-error").count()
    assert dialog.is_visible() and page.evaluate("document.querySelector('#dispatch-dialog').matches(':modal')")
    assert _focused(page)["in_dialog"]
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    # no button opened it this time: console.js gives the focus to the one that would have (on 'close')
    page.wait_for_function("() => document.activeElement.getAttribute('data-open-dialog') === 'dispatch-dialog'",
                           timeout=3000)  # a function, not an expression: the page's CSP forbids eval
    assert [p for p in problems if "422" not in p] == [], problems  # the form's refusal, and nothing else
