"""An alliance's member figures of a year: the yearly facts of its members as of the year summed
(docs/domain.md, "Member figures"). Members are the roll on 31 December of the year (today for the current year), from
`memberships/asof.py`; each figure names its period rule."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from services.membership.enterprise_facts import service as enterprise_facts
from services.membership.enterprise_facts.models import OWNERSHIP_LABELS, SIZE_CLASS_LABELS
from services.membership.member_facts.schemas import (
    ChannelFigure,
    CountFigure,
    GroupFigure,
    MemberFacts,
    MemberFigure,
)
from services.membership.memberships import asof
from services.membership.school_facts import service as school_facts
from services.membership.school_facts.models import GROUP_DESIGNATION_LABELS, INTAKE_CHANNEL_LABELS

INTAKE_RULE = "招生年度：该年秋季招生 — intake year: the year's autumn enrolment"
HEADCOUNT_RULE = "该年报送的人数（时点数） — the headcount reported for the year"
GROUP_RULE = "该年报送的专业群及其认定 — the major groups and designations reported for the year"
MONEY_RULE = (
    "该公历年内的金额，含平台协议以外 — money of the calendar year, the platform's agreements and money outside them"
)
OFFICE_RULE = "该年设有产教融合工作机构的企业 — enterprises with a 产教融合 office in the year"


def roll_date(year: int) -> date:
    """The roll the figures of `year` count: 31 December, or today while the year runs."""
    return min(date(year, 12, 31), today())


async def member_org_ids(session: AsyncSession, *, alliance_id: uuid.UUID, as_of: date) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        members, cursor = await asof.members_as_of(
            session, alliance_id=alliance_id, as_of=as_of, role=None, org_type=None, cursor=cursor, limit=500
        )
        out.extend(m.org_id for m in members)
        if cursor is None:
            return out


async def figures(session: AsyncSession, *, alliance_id: uuid.UUID, year: int) -> MemberFacts:
    as_of = roll_date(year)
    org_ids = await member_org_ids(session, alliance_id=alliance_id, as_of=as_of)
    s = await school_facts.sums(session, org_ids=org_ids, year=year)
    e = await enterprise_facts.sums(session, org_ids=org_ids, year=year)
    zero = school_facts.ChannelSums(0, 0, 0, 0)
    three_two = s.channels.get("three_two", zero)
    bachelor = s.channels.get("vocational_bachelor", zero)
    nco = s.channels.get("nco", zero)
    apprentices = s.channels.get("apprenticeship", zero)
    national, _ = s.groups.get("national_double_high", (0, 0))
    _, provincial_schools = s.groups.get("provincial_high_level", (0, 0))
    brand, _ = s.groups.get("brand", (0, 0))
    all_groups = sum(n for n, _ in s.groups.values())
    sr, er = s.schools_reporting, e.enterprises_reporting

    def fig(key: str, label: str, value: int | str, unit: str, rule: str, reporting: int) -> MemberFigure:
        return MemberFigure(key=key, label=label, value=value, unit=unit, period_rule=rule, reporting=reporting)

    def wan(v) -> str:
        return f"{v:.2f}"

    return MemberFacts(
        alliance_id=alliance_id,
        year=year,
        as_of=as_of,
        members=len(org_ids),
        schools_reporting=sr,
        enterprises_reporting=er,
        figures=[
            fig("three_two_intake", "中高职“三二连读”招生人数", three_two.actual, "人", INTAKE_RULE, sr),
            fig("vocational_bachelor_intake", "高职本科贯通招生人数", bachelor.actual, "人", INTAKE_RULE, sr),
            fig("nco_majors", "士官生招生专业数", nco.majors, "个", INTAKE_RULE, sr),
            fig("nco_planned_intake", "士官生计划招生人数", nco.planned, "人", INTAKE_RULE, sr),
            fig("nco_schools", "士官生招生成员单位数", nco.schools, "家", INTAKE_RULE, sr),
            fig("apprenticeship_intake", "现代学徒制招生人数", apprentices.actual, "人", INTAKE_RULE, sr),
            fig("full_time_students", "全日制在校生", s.full_time_students, "人", HEADCOUNT_RULE, sr),
            fig("major_groups", "专业群数", all_groups, "个", GROUP_RULE, sr),
            fig("double_high_groups", "国家“双高”专业群数", national, "个", GROUP_RULE, sr),
            fig("provincial_group_schools", "省级高水平专业群建设成员单位数", provincial_schools, "家", GROUP_RULE, sr),
            fig("brand_groups", "品牌专业群数", brand, "个", GROUP_RULE, sr),
            fig("enterprise_staff", "成员企业在岗职工", e.staff, "人", HEADCOUNT_RULE, er),
            fig("frontline_technical_staff", "一线技术人员", e.frontline_technical_staff, "人", HEADCOUNT_RULE, er),
            fig("rd_staff", "专职研发人员", e.rd_staff, "人", HEADCOUNT_RULE, er),
            fig("cooperation_spending", "校企合作经费支出", wan(e.cooperation_spending_wan), "万元", MONEY_RULE, er),
            fig("cooperation_investment", "校企合作投入", wan(e.cooperation_investment_wan), "万元", MONEY_RULE, er),
            fig("outside_agreements", "其中平台协议以外", wan(e.outside_agreements_wan), "万元", MONEY_RULE, er),
            fig("enterprises_with_pe_office", "设有产教融合工作机构的企业数", e.with_pe_office, "家", OFFICE_RULE, er),
        ],
        intake_by_channel=[
            ChannelFigure(channel=c, label=label, **vars(s.channels.get(c, zero)))
            for c, label in INTAKE_CHANNEL_LABELS.items()
        ],
        groups_by_designation=[
            GroupFigure(
                designation=d, label=label, groups=s.groups.get(d, (0, 0))[0], schools=s.groups.get(d, (0, 0))[1]
            )
            for d, label in GROUP_DESIGNATION_LABELS.items()
        ],
        enterprises_by_size=[
            CountFigure(key=k, label=label, count=e.by_size.get(k, 0)) for k, label in SIZE_CLASS_LABELS.items()
        ],
        enterprises_by_ownership=[
            CountFigure(key=k, label=label, count=e.by_ownership.get(k, 0)) for k, label in OWNERSHIP_LABELS.items()
        ],
    )
