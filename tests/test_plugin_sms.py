"""`send_sms` for plugins (API 1.13): a text through the tenant's SMS provider plugins (hook
`wuye_sms_send`, resident_access/sms.send_text, the very path of a sign-in code), or into the log."""

from __future__ import annotations

import logging

import pytest

from wuye_core.plugins import DomainError, send_sms, tenant_context

SMS_LOG = "wuye_core.resident_access.sms"


@pytest.fixture
def acme(wuye_make_tenant):
    return wuye_make_tenant("acme")


def test_without_a_provider_the_text_goes_to_the_log_with_the_phone_masked(wuye_app, acme, caplog):
    with wuye_app.app_context(), tenant_context(acme.id), caplog.at_level(logging.WARNING, logger=SMS_LOG):
        assert send_sms("138 0013 8000", "您的物业费账单已出，请查收。", "fees_reminder") is False
        assert send_sms("+86-138-0013-8001", "提醒", "fees_reminder") is False  # as the register keeps numbers
    assert "fees_reminder" in caplog.text and "138****8000" in caplog.text and "13800138000" not in caplog.text
    assert "您的物业费账单已出" in caplog.text


def test_a_provider_that_accepts_it_makes_it_true(wuye_app, acme, monkeypatch):
    from wuye_core.resident_access import sms

    calls = []

    def provider(hook, community, **kwargs):  # the hook's call, as a provider plugin would get it
        calls.append((hook, community, kwargs))
        return [("acme_sms", True)]

    monkeypatch.setattr(sms, "call_contained", provider)
    with wuye_app.app_context(), tenant_context(acme.id):
        assert send_sms("13800138000", "您好", "fees_reminder") is True
    assert calls == [("wuye_sms_send", None, {"tenant_id": acme.id, "phone": "13800138000", "text": "您好",
                                              "purpose": "fees_reminder"})]


@pytest.mark.parametrize("phone", ["", "1380013800", "138001380001", "23800138000", "abc13800138000",
                                   "138-0013-800x", None, 13800138000])
def test_not_a_mainland_mobile_is_a_422_naming_phone(wuye_app, acme, phone):
    with wuye_app.app_context(), tenant_context(acme.id), pytest.raises(DomainError) as refused:
        send_sms(phone, "您好", "fees_reminder")
    assert refused.value.status == 422 and list(refused.value.errors["json"]) == ["phone"]


@pytest.mark.parametrize(("text", "purpose", "field"), [
    ("您好", "", "purpose"), ("您好", "Fees Reminder", "purpose"), ("您好", "x" * 41, "purpose"), ("您好", None, "purpose"),
    ("  ", "fees_reminder", "text"), (None, "fees_reminder", "text"),
])
def test_a_purpose_is_a_short_code_and_the_text_not_blank(wuye_app, acme, text, purpose, field):
    with wuye_app.app_context(), tenant_context(acme.id), pytest.raises(DomainError) as refused:
        send_sms("13800138000", text, purpose)
    assert list(refused.value.errors["json"]) == [field]
