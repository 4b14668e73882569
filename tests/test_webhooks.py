"""Plugins' inbound webhooks (API 1.13, hook `wuye_webhooks`, host/webhooks.py), with the scaffold's
`sample` and its signed `note` webhook, on SQLite and PostgreSQL: no token and no session, the
tenant by its slug, 404 where the plugin is off, the body capped, the address throttled, the
handler's answer committed below 400 and rolled back otherwise, and nothing of another tenant."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from wuye_core.plugins import DomainError, Webhook, db, emit, invalid, sign, verify_signature

SECRET = "s3cret-of-acme"


@pytest.fixture
def acme(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "sample", ids["community"], {"webhook_secret": SECRET})
    return tenant, ids


def _note(community_id, sender_id="n-1", text="电梯维保已完成") -> bytes:
    return json.dumps({"id": sender_id, "community_id": community_id, "text": text}, ensure_ascii=False).encode()


def _post(app, body: bytes, *, secret=SECRET, slug="acme", name="note", headers=None, **kw):
    signed = {"X-Signature": sign(secret, body)} if secret else {}
    return app.test_client().post(f"/api/v1/webhooks/{slug}/sample/{name}", data=body,
                                  headers={**signed, **(headers or {})}, **kw)


def _notes(tenant, community_id) -> list[str]:
    items = tenant.admin.get(f"/api/v1/plugins/sample/communities/{community_id}/notes").get_json()["items"]
    return [n["text"] for n in items]


def test_a_signed_note_is_stored_once_and_a_bad_signature_stores_nothing(wuye_app, acme):
    tenant, ids = acme
    body = _note(ids["community"])
    for refused in (_post(wuye_app, body, secret="wrong"), _post(wuye_app, body, secret=None),
                    _post(wuye_app, body, headers={"X-Signature": "zz"}),
                    _post(wuye_app, _note(ids["community"], text="改过的"), headers={"X-Signature": sign(SECRET, body)})):
        assert refused.status_code == 401 and refused.get_json() == {"error": "signature"}
    assert _notes(tenant, ids["community"]) == []
    first = _post(wuye_app, body)
    assert first.status_code == 200 and first.get_json()["duplicate"] is False
    assert "Set-Cookie" not in first.headers  # no session
    again = _post(wuye_app, body, secret=None, headers={"x-signature": sign(SECRET, body)})  # a retry; any case
    assert again.status_code == 200 and again.get_json() == {"id": first.get_json()["id"], "duplicate": True}
    assert _notes(tenant, ids["community"]) == ["电梯维保已完成"]


def test_a_refusal_of_the_handler_is_the_apis_json_and_keeps_nothing(wuye_app, acme):
    tenant, ids = acme
    r = _post(wuye_app, _note(ids["community"], text="  "), headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"] == {"text": ["Write something in the note."]}
    r = _post(wuye_app, b"{not json", headers={"Content-Type": "text/plain", "Accept-Language": "en"})
    assert r.status_code == 400 and r.get_json()["errors"] == {"body": ["Invalid JSON body."]}
    assert _notes(tenant, ids["community"]) == []


def test_404_where_there_is_no_such_webhook_tenant_or_enabled_plugin(wuye_app, acme, wuye_make_tenant, wuye_operator):
    tenant, ids = acme
    body = _note(ids["community"])
    wuye_make_tenant("other")  # the sample is not enabled there
    for slug, plugin, name in (("nobody", "sample", "note"), ("acme", "sample", "nothing"), ("acme", "nope", "note"),
                               ("acme", "care_visits", "note"), ("other", "sample", "note")):
        r = wuye_app.test_client().post(f"/api/v1/webhooks/{slug}/{plugin}/{name}", data=body,
                                        headers={"X-Signature": sign(SECRET, body)})
        assert r.status_code == 404, (slug, plugin, name)
        assert set(r.get_json()) == {"code", "status", "message"} and r.get_json()["code"] == 404
    tenant.admin.put("/api/v1/plugins/sample", json={"enabled": False})  # off for the tenant
    assert _post(wuye_app, body).status_code == 404
    tenant.admin.put("/api/v1/plugins/sample", json={"enabled": True})
    assert _post(wuye_app, body).status_code == 200
    assert wuye_operator.patch(f"/api/v1/tenants/{tenant.id}", json={"active": False}).status_code == 200
    assert _post(wuye_app, _note(ids["community"], "n-2")).status_code == 404  # an inactive tenant
    assert wuye_app.test_client().get("/api/v1/webhooks/acme/sample/note").status_code == 405  # POST only


def test_the_body_is_capped_at_64_kib(wuye_app, acme):
    tenant, ids = acme
    big = _note(ids["community"], text="长" * 30_000)  # ~90 KB of UTF-8
    r = _post(wuye_app, big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.get_json()["code"] == 413
    assert _post(wuye_app, _note(ids["community"], text="长" * 20_000)).status_code == 200  # ~60 KB
    assert _notes(tenant, ids["community"]) == ["长" * 200]


def test_every_address_is_throttled(wuye_app, acme, monkeypatch):
    _, ids = acme
    monkeypatch.setattr(wuye_app.config["WUYE"], "webhook_limit_per_address", "3 per minute")
    body = _note(ids["community"])
    answers = [_post(wuye_app, body, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert _post(wuye_app, body, environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 200  # another address


@pytest.fixture
def probe(wuye_app, monkeypatch):
    """Installs `handler` as the sample's webhook `probe` for one test."""

    def install(handler):
        webhooks = wuye_app.extensions["wuye_plugins"].plugins["sample"].webhooks
        monkeypatch.setitem(webhooks, "probe", Webhook("probe", handler))

    return install


def test_the_handler_runs_in_its_tenant_and_sees_nothing_of_another(wuye_app, acme, wuye_make_tenant, wuye_register,
                                                                   wuye_enable_plugin, probe):
    from wuye_core.plugins import Resident

    tenant, ids = acme
    b = wuye_make_tenant("tenant-b")
    b_ids = wuye_register(b, prefix="乙")
    wuye_enable_plugin(b, "sample", b_ids["community"], {"webhook_secret": SECRET})
    seen = {}

    def count(request):
        seen["tenant"] = request.tenant_id
        seen["names"] = db.session.scalars(select(Resident.name)).all()
        return 200, {"residents": len(seen["names"])}

    probe(count)
    r = _post(wuye_app, b"", name="probe")
    assert r.status_code == 200 and r.get_json() == {"residents": 1}
    assert seen == {"tenant": tenant.id, "names": ["张三"]}
    # B's community named in a note to A: not A's, so not enabled there — refused like a bad signature
    r = _post(wuye_app, _note(b_ids["community"]))
    assert r.status_code == 401
    assert _notes(b, b_ids["community"]) == []
    assert _post(wuye_app, _note(b_ids["community"]), slug="tenant-b").status_code == 200  # at B's own address
    assert _notes(b, b_ids["community"]) == ["电梯维保已完成"] and _notes(tenant, ids["community"]) == []


def test_below_400_commits_with_the_events_above_rolls_back(wuye_app, acme, wuye_outbox, probe, caplog):
    tenant, ids = acme
    outcome = {}

    def handler(request):
        emit("sample", "paid", ids["community"], 7, amount_fen=int(request.headers["X-Amount"]))
        if outcome["how"] == "raise":
            raise RuntimeError("provider format changed")
        if outcome["how"] == "refuse":
            invalid("amount_fen", "Does not exist.")
        if outcome["how"] == "conflict":
            raise DomainError("stale")
        return outcome["status"], {"ok": outcome["status"] < 400}

    probe(handler)

    def send(how, status=200, amount=1):
        outcome.update(how=how, status=status)
        return _post(wuye_app, b"{}", name="probe", headers={"X-Amount": str(amount), "Content-Type": "application/json",
                                                               "Accept-Language": "en"})

    assert send("answer", 202, 100).status_code == 202
    assert send("answer", 409, 200).get_json() == {"ok": False}
    assert send("refuse", amount=300).get_json()["errors"] == {"json": {"amount_fen": ["Does not exist."]}}
    assert send("conflict", amount=400).status_code == 422
    with caplog.at_level(logging.ERROR, logger="wuye_core.host.webhooks"):
        failed = send("raise", amount=500)
    assert failed.status_code == 500 and failed.get_json()["code"] == 500
    assert "webhook sample/probe failed" in caplog.text and "provider format changed" in caplog.text
    paid = [e.data["amount_fen"] for e in wuye_outbox(tenant) if e.name == "sample.paid"]
    assert paid == [100]  # only the 202's event was kept (and relayed with the commit)


def test_a_handler_that_answers_no_pair_is_a_500(wuye_app, acme, probe):
    probe(lambda request: {"ok": True})
    assert _post(wuye_app, b"", name="probe").status_code == 500
    probe(lambda request: (200, ["not", "a", "dict"]))
    assert _post(wuye_app, b"", name="probe").status_code == 500


def test_the_request_the_handler_gets(wuye_app, acme, probe):
    tenant, _ = acme
    got = {}
    probe(lambda request: (got.update(request=request), (200, {}))[1])
    body = "ä€".encode() + b"\x00\xff"
    assert _post(wuye_app, body, name="probe", headers={"X-Provider": "bank"},
                 environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code == 200
    request = got["request"]
    assert request.tenant_id == tenant.id and request.body == body and request.remote_addr == "198.51.100.4"
    assert isinstance(request.headers, dict) and request.headers["x-provider"] == request.headers.get("X-PROVIDER") == "bank"
    assert "X-Signature" in request.headers
    with pytest.raises(DomainError) as refused:
        request.json()
    assert refused.value.status == 400 and "body" in refused.value.errors


def test_the_route_is_public_and_left_out_of_the_openapi_document(wuye_app):
    document = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    assert not any(path.startswith("/api/v1/webhooks") for path in document["paths"])
    view = wuye_app.view_functions["webhooks.receive"]
    assert view._wuye_public


def test_a_plugin_must_give_webhooks():
    from wuye_core.host.manager import PluginHost, PluginRefused
    from wuye_core.plugins import PluginInfo, hookimpl

    def plugin(webhooks):
        class Hooked:
            @hookimpl
            def wuye_plugin_info(self):
                return PluginInfo("hooked", "1.0", "钩", "Hooked", api_version="1.13")

            @hookimpl
            def wuye_webhooks(self):
                return webhooks

        return Hooked()

    for wrong in ((("note", print),), (Webhook("Bad Name", print),), (Webhook("a", print), Webhook("a", print)),
                  (Webhook("a", "not callable"),)):
        with pytest.raises(PluginRefused, match="[Ww]ebhook"):
            PluginHost().add(plugin(wrong), "hooked")
    assert PluginHost().add(plugin((Webhook("paid", print),)), "hooked").webhooks["paid"].handler is print


def test_signatures():
    body = b'{"a": 1}'
    signature = sign("key", body)
    assert len(signature) == 64 and verify_signature("key", body, signature)
    assert verify_signature(b"key", body, signature.upper()) and verify_signature("key", body, f" {signature} ")
    assert not verify_signature("key", body + b" ", signature)
    assert not verify_signature("other", body, signature)
    for wrong in (None, "", "abc", signature[:-1], signature + "0", "g" * 64, 12):
        assert not verify_signature("key", body, wrong)
    for no_secret in (None, "", b""):  # a key anyone knows signs nothing
        assert not verify_signature(no_secret, body, sign(b"", body))
