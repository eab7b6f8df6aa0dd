"""The answer of an alliance's member figures (`/v1/alliances/{alliance_id}/member-facts`)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class MemberFigure(BaseModel):
    key: str = Field(description="指标键 — the figure's key, e.g. three_two_intake")
    label: str = Field(description="指标名称 — the figure's Chinese name")
    value: int | str = Field(
        description="数值：人数、个数为整数，金额为万元十进制字符串 — counts are integers, 万元 strings"
    )
    unit: str = Field(description="单位 — unit: 人, 个, 家, 万元")
    period_rule: str = Field(description="统计口径（期间规则） — the period rule the figure is counted by")
    reporting: int = Field(description="报送该年数据的成员数 — members whose facts of the year the figure sums")


class ChannelFigure(BaseModel):
    channel: str
    label: str
    planned: int = Field(description="计划招生 — planned intake")
    actual: int = Field(description="实际招生 — actual intake")
    majors: int = Field(description="有招生的专业数（校×专业） — majors (school × major) with an intake")
    schools: int = Field(description="有招生的学校数 — schools with an intake in the channel")


class GroupFigure(BaseModel):
    designation: str
    label: str
    groups: int
    schools: int


class CountFigure(BaseModel):
    key: str
    label: str
    count: int


class MemberFacts(BaseModel):
    alliance_id: uuid.UUID
    year: int
    as_of: date = Field(description="成员名单日期：该年 12 月 31 日，当年为今天 — the roll's date")
    members: int = Field(description="该日成员数（active、suspended） — members on `as_of`")
    schools_reporting: int
    enterprises_reporting: int
    figures: list[MemberFigure]
    intake_by_channel: list[ChannelFigure]
    groups_by_designation: list[GroupFigure]
    enterprises_by_size: list[CountFigure]
    enterprises_by_ownership: list[CountFigure]
