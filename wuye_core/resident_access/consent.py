"""The tenant's privacy notice (个人信息处理规则) and the residents' consent to it (PIPL art. 13,
14, 17): a resident agrees at the first sign-in, and again when the tenant publishes a newer
version; until then the resident's token opens only the notice and the consent (door.py).

A tenant that has published none has the platform's default notice as version 1; its own
versions count on from there. Notices and consents are kept, never changed (who agreed to what,
when, from where)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import func, select

from ..audit import record
from ..auth.models import ResidentAccount
from ..errors import Conflict
from ..extensions import db
from ..i18n import N_
from .models import PrivacyNotice, ResidentConsent

DEFAULT_VERSION = 1
DEFAULT_ZH = (
    "本平台由您所在小区的物业服务企业或社区（下称“我们”）使用，用于报事报修、投诉建议、通知公告和公示。"
    "我们处理您的以下个人信息：登记在住户台账中的手机号、姓名、住址；您提交的工单内容与照片；您的评价。"
    "处理目的：受理和办理您的诉求、向您发送验证码和通知、统计服务质量。"
    "您的手机号仅用于登录和联系您；工单转交其他服务单位时，仅在您同意回访时提供联系方式。"
    "个人信息保存至服务关系结束后三年，之后删除或匿名化。"
    "您可以随时在“我的”页面下载我们保存的您的个人信息，或申请删除（工单记录将保留匿名化的报事人）。"
    "如有疑问，请联系社区一站式服务窗口。"
)
DEFAULT_EN = (
    "This platform is used by the property company or community office serving your compound (\"we\") for "
    "repairs, complaints, notices and public disclosures. We process: the phone number, name and address in "
    "the household register; what you report and its photos; your ratings. Purposes: to handle your requests, "
    "to send you sign-in codes and notices, to measure the service. Your phone number is used to sign you in "
    "and to contact you; a ticket handed to another organisation carries it only if you agree to be called "
    "back. We keep personal data until three years after the service ends, then delete or anonymise it. You "
    "may download what we hold about you, or ask for its deletion, at any time on the \"Me\" page (tickets "
    "keep a masked reporter). Questions: the community's one-stop service window."
)


@dataclass(frozen=True)
class Notice:
    version: int
    text_zh: str
    text_en: str | None
    published_at: datetime | None


def current_notice() -> Notice:
    """The tenant's newest privacy notice (the platform's default while it has published none)."""
    row = db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1))
    if row is None:
        return Notice(DEFAULT_VERSION, DEFAULT_ZH, DEFAULT_EN, None)
    return Notice(row.version, row.text_zh, row.text_en, row.at)


def publish_notice(text_zh: str, text_en: str | None, by: str | None) -> PrivacyNotice:
    """A new version of the notice: every resident agrees again at the next sign-in or request."""
    newest = db.session.scalar(select(func.max(PrivacyNotice.version))) or DEFAULT_VERSION
    notice = PrivacyNotice(version=newest + 1, text_zh=text_zh, text_en=text_en, published_by=by)
    db.session.add(notice)
    db.session.flush()
    return notice


def needs_consent(account: ResidentAccount) -> bool:
    return account.consented_version != current_notice().version


def consent(account: ResidentAccount, version: int) -> ResidentConsent:
    """The resident agrees to the notice's current version (409 naming `version` for any other:
    the page showed an older text than the one in force)."""
    notice = current_notice()
    if version != notice.version:
        raise Conflict(N_("The privacy notice has changed: read the current version and agree to it."),
                       {"json": {"version": [N_("Not the current version.")]}, "current_version": notice.version})
    account.consented_version, account.consented_at = version, datetime.now(UTC)
    row = ResidentConsent(account_id=account.id, version=version,
                          address=(request.remote_addr or None) if has_request_context() else None)
    db.session.add(row)
    db.session.flush()
    record("resident.consented", target_type="resident_account", target_id=account.id,
           details={"version": version})
    return row
