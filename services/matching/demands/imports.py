"""The demand import: a list of demands kept in Excel (`.xlsx`/`.csv`, Chinese headings) → draft demands of one
enterprise (services/matching/imports.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.spreadsheets import Column, aliases
from services.matching.demands import service
from services.matching.demands.models import KIND_LABELS, Demand
from services.matching.demands.schemas import DemandCreate
from services.matching.imports import PostingImport
from services.matching.postings import EDUCATION_LABELS

COLUMNS = (
    Column("需求类型", "kind", True, "必填；订单班、学徒制、实习岗位、招聘、员工培训、技术研发、共建基地（或代码）"),
    Column("标题", "title", True, "必填；至多 100 字"),
    Column("说明", "description", False, "至多 4000 字"),
    Column("职业代码", "occupation_codes", False, "《职业分类大典》编码，多个用顿号分隔"),
    Column("专业代码", "major_codes", False, "职业教育专业目录代码（6位），多个用顿号分隔"),
    Column("学历层次", "education_level", False, "不限、中职、高职专科、职业本科、普通本科、研究生等；默认 不限"),
    Column("需求人数", "headcount", True, "必填；1 至 100000"),
    Column("行政区划代码", "region_code", False, "6位区划代码"),
    Column("开始日期", "period_start", False, "YYYY-MM-DD"),
    Column("结束日期", "period_end", False, "YYYY-MM-DD；不早于开始日期"),
    Column("截止日期", "deadline_on", False, "YYYY-MM-DD"),
    Column("联盟ID", "alliance_id", False, "发布于联盟的 id（UUID）"),
)


async def _create(session: AsyncSession, data: Any, actor: str) -> Demand:
    return await service.create(session, data=data, actor=actor)


IMPORT = PostingImport(
    sheet="需求",
    columns=COLUMNS,
    aliases={"kind": aliases(KIND_LABELS), "education_level": aliases(EDUCATION_LABELS)},
    lists=frozenset({"occupation_codes", "major_codes"}),
    model=DemandCreate,
    create=_create,
    choices={"kind": list(KIND_LABELS.values()), "education_level": list(EDUCATION_LABELS.values())},
)
