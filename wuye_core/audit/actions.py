"""The audit trail's vocabulary: every action code the core records, with its title in both
languages, in one place (the API shows `action_title` in the reader's language).

Codes are `<area>.<what happened>`; the read API filters by prefix (`action=plugin.` finds
every plugin action). A plugin's actions are `<plugin>.<verb>` (wuye_core.plugins.audit) with a
verb from PLUGIN_VERBS, titled by the verb. An unknown code (one a newer wuye wrote, or a
plugin's that is no longer installed) is shown as its code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    zh: str
    en: str


ACTIONS: dict[str, Action] = {
    # accounts (recorded by wuye_core/staff and auth)
    "auth.login": Action("登录", "Logged in"),
    "auth.login_failed": Action("登录失败", "Failed login"),
    "auth.logout": Action("退出登录", "Logged out"),
    "user.created": Action("新建用户", "User created"),
    "user.password_changed": Action("修改密码", "Password changed"),
    "user.password_reset": Action("重置密码", "Password reset"),
    "user.roles_changed": Action("变更角色", "Roles changed"),
    "user.team_changed": Action("变更班组", "Team changed"),
    "user.role_granted": Action("授予角色", "Role granted"),
    "user.role_revoked": Action("撤销角色", "Role revoked"),
    "user.activated": Action("启用用户", "User activated"),
    "user.deactivated": Action("停用用户", "User deactivated"),
    # tenants (platform operators; the platform trail)
    "tenant.created": Action("新建租户", "Tenant created"),
    "tenant.renamed": Action("租户改名", "Tenant renamed"),
    "tenant.activated": Action("启用租户", "Tenant activated"),
    "tenant.deactivated": Action("停用租户", "Tenant deactivated"),
    # plugins and configuration
    "plugin.enabled": Action("为租户启用插件", "Plugin enabled for the tenant"),
    "plugin.disabled": Action("为租户停用插件", "Plugin disabled for the tenant"),
    "plugin.community_enabled": Action("为社区启用插件", "Plugin enabled in a community"),
    "plugin.community_disabled": Action("为社区停用插件", "Plugin disabled in a community"),
    "plugin.config_changed": Action("修改插件配置", "Plugin configuration changed"),
    "community.config_changed": Action("修改社区配置", "Community configuration changed"),
    # service links between tenants (links/, supervision/, handoffs/): in both tenants' trails
    "link.proposed": Action("提出服务关系", "Service link proposed"),
    "link.accepted": Action("确认服务关系", "Service link accepted"),
    "link.declined": Action("拒绝服务关系", "Service link declined"),
    "link.revoked": Action("解除服务关系", "Service link ended"),
    "link.changed": Action("修改服务关系", "Service link changed"),
    "supervision.read": Action("属地监管查阅", "Supervised read by the linked tenant"),
    "handoff.sent": Action("工单转办", "Ticket handed off"),
    "handoff.returned": Action("工单退回", "Hand-off returned"),
    # residents signing in (resident_access/)
    "resident.code_issued": Action("服务窗口代发登录验证码", "Sign-in code issued by the support desk"),
    "resident.signed_in": Action("居民登录", "Resident signed in"),
    "resident.consented": Action("居民同意个人信息处理规则", "Resident agreed to the privacy notice"),
    "resident.signed_out": Action("居民退出登录", "Resident signed out"),
    # notices to residents (notices/)
    "notice.published": Action("发布公告", "Notice published"),
    "notice.withdrawn": Action("撤回公告", "Notice withdrawn"),
    "notice.texted": Action("紧急公告短信已发送", "Urgent notice texted"),
    # public disclosures (disclosures/)
    "disclosure.published": Action("发布公示", "Disclosure published"),
    "disclosure.corrected": Action("更正公示（新版本）", "Disclosure corrected (a new version)"),
    "disclosure.withdrawn": Action("撤回公示", "Disclosure withdrawn"),
    # residents' rights over their personal information (resident_rights/)
    "resident.data_exported": Action("居民下载本人个人信息", "Resident downloaded their personal information"),
    "resident.deletion_requested": Action("居民申请删除个人信息", "Resident asked for deletion"),
    "resident.deletion_approved": Action("批准删除居民个人信息（已删除或匿名化）",
                                         "Deletion approved (personal information erased or anonymised)"),
    "resident.deletion_refused": Action("不予删除居民个人信息", "Deletion refused"),
    # exports of personal data
    "tickets.exported": Action("导出工单台账（含个人信息）", "Tickets exported (personal data)"),
}

# What a plugin may record (`<plugin>.<verb>`), titled by the verb.
PLUGIN_VERBS: dict[str, Action] = {
    "exported": Action("导出个人信息", "Personal data exported"),
    "config_changed": Action("修改配置", "Configuration changed"),
    "amended": Action("更正记录", "Record amended"),
}


def title(code: str, locale: str = "zh_CN") -> str:
    """The action's title in `locale` ("en" or zh_CN), or the code itself if it has none."""
    action = ACTIONS.get(code)
    if action is None:
        _, _, verb = code.rpartition(".")
        action = PLUGIN_VERBS.get(verb) if "." in code else None
    if action is None:
        return code
    return action.en if locale == "en" else action.zh


def plugin_action(plugin: str, verb: str) -> str:
    """The code of a plugin's action; ValueError for a verb that is not in PLUGIN_VERBS."""
    if verb not in PLUGIN_VERBS:
        raise ValueError(f"audit: unknown action {verb!r} (one of {', '.join(sorted(PLUGIN_VERBS))})")
    return f"{plugin}.{verb}"
