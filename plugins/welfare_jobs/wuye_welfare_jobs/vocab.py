"""The plugin's fixed vocabularies: codes in the API and the database; labels (English msgids of
the plugin's catalog) for people, translated where shown (`label`).

Append new codes at the end: exports and the claim sheet list them in this order.
"""

from __future__ import annotations

from .i18n import N_

POST_KINDS = {  # 岗位类别 (the seeds: 保洁、保安、村湾环境)
    "cleaning": N_("Cleaning"),  # 保洁
    "security": N_("Security"),  # 保安
    "greening": N_("Greening"),  # 绿化
    "patrol": N_("Patrol"),  # 巡查
    "forest": N_("Forest ranger"),  # 护林
    "village_environment": N_("Village environment"),  # 村湾环境
    "other": N_("Other post"),
}

GROUPS = {  # 就业困难人员的类别 (人社部发〔2019〕124号 and provincial rules)
    "landless_farmer": N_("Landless farmer"),  # 失地农民
    "hard_to_employ": N_("Hard to employ"),  # 就业困难人员
    "age_4050": N_("4050 worker"),  # 4050 人员 (women over 40, men over 50)
    "zero_employment": N_("Zero-employment family"),  # 零就业家庭成员
    "disabled": N_("Person with a disability"),  # 残疾人
    "low_income": N_("Low-income family"),  # 低保家庭成员
    "other": N_("Other eligible group"),
}

EXIT_REASONS = {  # 离岗原因
    "other_job": N_("Found other work"),  # 实现其他就业
    "retirement": N_("Retirement age"),  # 达到法定退休年龄
    "health": N_("Health"),  # 身体原因
    "dismissal": N_("Dismissal"),  # 考核不合格或违纪解除
    "term_ended": N_("Term ended"),  # 安置期满
    "resigned": N_("Resigned"),  # 本人辞职
    "death": N_("Death"),  # 死亡
    "other": N_("Other reason"),
}

ATTENDANCE = {  # one day of a worker on their post
    "present": N_("Present"),  # 出勤
    "absent": N_("Absent"),  # 缺勤（旷工）
    "leave": N_("On leave"),  # 请假
    "rest": N_("Rest day"),  # 休息
}

LEAVE_KINDS = {  # 假别: which kinds count as attended for the post subsidy is config (paid_leave)
    "sick": N_("Sick leave"),  # 病假
    "personal": N_("Personal leave"),  # 事假
    "annual": N_("Annual leave"),  # 年休假
    "injury": N_("Work-injury leave"),  # 工伤假
    "marriage_funeral": N_("Marriage or funeral leave"),  # 婚丧假
}

ATTENDANCE_SOURCES = {
    "phone": N_("Clock-in on a phone"),  # 手机打卡
    "sheet": N_("Monthly sheet"),  # 月度考勤表导入
    "console": N_("Entered by staff"),  # 工作人员录入
}

INSURANCE_KINDS = {  # 五险 and the accident cover the company buys
    "pension": N_("Pension insurance"),  # 养老保险
    "medical": N_("Medical insurance"),  # 医疗保险
    "unemployment": N_("Unemployment insurance"),  # 失业保险
    "injury": N_("Work-injury insurance"),  # 工伤保险
    "accident": N_("Accident insurance"),  # 意外伤害保险
}

HEALTH_RESULTS = {  # 体检结论
    "fit": N_("Fit for the post"),  # 合格
    "follow_up": N_("Needs a follow-up"),  # 需复查
    "unfit": N_("Unfit for the post"),  # 不适合本岗位
}

GRADES = {  # 年度考核等次
    "excellent": N_("Excellent"),  # 优秀
    "competent": N_("Competent"),  # 合格
    "basic": N_("Basically competent"),  # 基本合格
    "incompetent": N_("Incompetent"),  # 不合格
}

GENDERS = {"male": N_("Male"), "female": N_("Female")}


def label(vocabulary: dict, code: str | None) -> str:
    """The label of `code` in the reader's language ('' for none; an unknown code as it is)."""
    if code is None:
        return ""
    found = vocabulary.get(code)
    return found.translate() if found is not None else code
