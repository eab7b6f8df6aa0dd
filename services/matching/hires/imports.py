"""The hire import at graduation time: a list of graduates taken on, kept in Excel (`.xlsx`/`.csv`, Chinese
headings) → recorded hires of the importing organization, the school or the employer of each row (the shape of
services/matching/imports.py, which reads and reports the rows)."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.spreadsheets import Column, aliases, build_template
from services.matching.agreements.membership import MembershipDirectory
from services.matching.hires import service
from services.matching.hires.models import CHANNEL_LABELS, Hire
from services.matching.hires.schemas import HireCreate
from services.matching.imports import PostingImport

COLUMNS = (
    Column("姓名", "person_name", True, "必填；至多 50 字。不要填写身份证号或手机号"),
    Column("学员ID", "learner_id", False, "学校培训系统中的学员 id（UUID）"),
    Column("学校ID", "school_org_id", True, "必填；毕业学校的单位 id（UUID）"),
    Column("用人单位ID", "employer_org_id", True, "必填；用人单位的单位 id（UUID）"),
    Column("入职日期", "hired_on", True, "必填；YYYY-MM-DD，不晚于今天"),
    Column("岗位", "post", True, "必填；至多 100 字"),
    Column("渠道", "channel", True, "必填；订单班、学徒制、合作协议、平台需求、其他（或代码）"),
    Column("需求ID", "demand_id", False, "渠道为平台需求时必填（UUID）"),
    Column("协议ID", "agreement_id", False, "渠道为合作协议时必填（UUID）"),
)


class HireImportRow(HireCreate):
    """A row: the body of `POST /v1/hires`, with a date cell read as its first ten characters."""

    @field_validator("hired_on", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        return value[:10] if isinstance(value, str) else value


@dataclasses.dataclass(frozen=True)
class HireImport(PostingImport):
    def template(self) -> bytes:
        """Blocking: the import template."""
        return build_template(
            self.sheet,
            self.columns,
            choices=self.choices,
            notes=[
                [],
                ["说明"],
                ["每行一名被招录人员，导入后为待确认的招录记录，由另一方（学校或用人单位）确认。"],
                ["只填姓名，不要填写身份证号、手机号等个人信息。"],
                ["报告中只写行号、列名与规则，不回显单元格内容。试运行（dry_run=true）只检查不保存。"],
            ],
        )


async def _create(session: AsyncSession, data: Any, actor: str) -> Hire:
    return await service.create(session, data=data, directory=None, actor=actor)


IMPORT = HireImport(
    sheet="招录",
    columns=COLUMNS,
    aliases={"channel": aliases(CHANNEL_LABELS)},
    lists=frozenset(),
    model=HireImportRow,
    create=_create,
    choices={"channel": list(CHANNEL_LABELS.values())},
)


def with_directory(directory: MembershipDirectory) -> HireImport:
    """The import checking each row's organizations with membership, like the single create."""

    async def create(session: AsyncSession, data: Any, actor: str) -> Hire:
        return await service.create(session, data=data, directory=directory, actor=actor)

    return dataclasses.replace(IMPORT, create=create)
