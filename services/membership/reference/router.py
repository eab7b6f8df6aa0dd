"""`/v1/reference/{regions|majors|occupations|industries}` — read-only, cacheable code tables.

The four resources share one shape, so the routes are generated from the table below (data, not
code per route); each still gets its own summary, description and operation id in the docs.

Reads are cacheable by anyone for an hour (`Cache-Control: public, max-age=3600`) and revalidate: a content ETag
(chanjiao/etag.py) and 304 on `If-None-Match`; `Last-Modified` is when a platform admin last added a code (the
table's only change), absent while a table is as shipped.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfNoneMatch, revalidated_json
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from chanjiao.validators import (
    CodeError,
    normalize_code,
    validate_industry_code,
    validate_major_code,
    validate_occupation_code,
    validate_region_code,
)
from services.membership.reference import service
from services.membership.reference.schemas import ReferenceCodeCreate, ReferenceCodePage, ReferenceCodePublic, render

router = APIRouter(prefix="/v1/reference", tags=["reference"])

CACHE_CONTROL = "public, max-age=3600"
NOT_MODIFIED = {304: {"description": "未变化 Unchanged since the ETag in `If-None-Match`"}}

# One real row per table, shown as the response example in the docs.
EXAMPLES: dict[str, dict[str, Any]] = {
    "regions": {
        "code": "370303",
        "name": "张店区",
        "level": "county",
        "parent_code": "370300",
        "attributes": {"province_code": "370000", "city_code": "370300", "functional_area": False},
    },
    "majors": {
        "code": "460301",
        "name": "机电一体化技术",
        "level": "major",
        "parent_code": "4603",
        "attributes": {
            "level_key": "voc_associate",
            "level_name": "高等职业教育专科",
            "category_code": "46",
            "category_name": "装备制造大类",
            "class_code": "4603",
            "class_name": "自动化类",
            "state_controlled": False,
            "is_supplement": False,
        },
    },
    "occupations": {
        "code": "6-31-01-02",
        "name": "机修钳工",
        "level": "4",
        "parent_code": "6-31-01",
        "attributes": {"definition": "使用工具、量具和仪器、仪表，维护和修理设备机械部分的人员。"},
    },
    "industries": {
        "code": "3311",
        "name": "金属结构制造",
        "level": "4",
        "parent_code": "331",
        "attributes": {"level_name": "小类", "section": "C"},
    },
}


@dataclass(frozen=True)
class Kind:
    path: str
    one: str
    title_zh: str
    title_en: str
    source: str
    levels: str
    example: str
    validate: Any


KINDS = [
    Kind(
        "regions",
        "region",
        "行政区划",
        "administrative divisions",
        "NBS 统计用区划代码 2023",
        "province, city, county",
        "370303",
        validate_region_code,
    ),
    Kind(
        "majors",
        "major",
        "职业教育专业",
        "vocational majors",
        "职业教育专业目录（2021年）+ 2025 增补 (~94 % complete)",
        "major (`level_key`: voc_secondary / voc_associate / voc_bachelor in attributes)",
        "460301",
        validate_major_code,
    ),
    Kind(
        "occupations",
        "occupation",
        "职业",
        "occupations",
        "中华人民共和国职业分类大典（2022年版）",
        "1–4 (大类…细类)",
        "6-31-01-02",
        validate_occupation_code,
    ),
    Kind(
        "industries",
        "industry",
        "国民经济行业",
        "industries",
        "GB/T 4754-2017",
        "1–4 (门类, 大类, 中类, 小类)",
        "3311",
        validate_industry_code,
    ),
]


def cacheable(content: object, if_none_match: str | None, changed: datetime | None) -> Response:
    """A reference answer with its content tag (or 304), public caching, and `Last-Modified` when known."""
    headers = {"Last-Modified": format_datetime(changed.astimezone(UTC), usegmt=True)} if changed else {}
    return revalidated_json(content, if_none_match, cache_control=CACHE_CONTROL, **headers)


def _add_routes(kind: Kind) -> None:
    name = kind.path

    async def list_codes(
        session: SessionDep,
        if_none_match: IfNoneMatch = None,
        limit: LimitQuery = 100,
        cursor: CursorQuery = None,
        level: Annotated[str | None, Query(max_length=20, description=f"级别 Level: {kind.levels}")] = None,
        parent_code: Annotated[
            str | None, Query(max_length=20, description="此代码的下级代码 Children of this code")
        ] = None,
        q: Annotated[
            str | None,
            Query(min_length=1, max_length=50, description="名称包含或代码开头为 Name contains / code starts with"),
        ] = None,
        updated_since: UpdatedSinceQuery = None,
        since_token: SinceTokenQuery = None,
        include_deleted: Annotated[
            bool, include_deleted_query("无（代码只增不删）", "none (codes are only ever added)")
        ] = False,
    ) -> Response:
        found = await service.list_codes(
            session,
            kind=name,
            level=level,
            parent_code=parent_code,
            q=q,
            since=Since.of(since_token, updated_since),
            cursor=cursor,
            limit=limit,
        )
        page = ReferenceCodePage(
            items=[render(r) for r in found.rows],
            next_cursor=found.next_cursor,
            sync_token=found.sync_token,
        )
        changed = await service.last_override(session, name)
        return cacheable(page.model_dump(mode="json"), if_none_match, changed)

    async def get_code(code: str, session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
        row = await service.get_code(session, kind=name, code=normalize_code(code))
        public = render(row)
        return cacheable(public.model_dump(mode="json"), if_none_match, row.added_at)

    async def add_code(body: ReferenceCodeCreate, session: SessionDep, principal: PrincipalDep) -> Response:
        code = normalize_code(body.code)
        try:
            kind.validate(code)
        except CodeError as exc:
            raise field_error(["body", "code"], exc.rule, exc.message_zh, exc.message_en) from None
        row = await service.add_override(
            session,
            kind=name,
            code=code,
            name=body.name.strip(),
            level=body.level,
            parent_code=body.parent_code,
            attributes=body.attributes,
            actor=principal.actor,
        )
        public = render(row).model_dump(mode="json")
        await session.commit()
        return JSONResponse(public, status_code=201, headers={"Location": f"/v1/reference/{name}/{code}"})

    list_codes.__name__ = f"list_{name}"
    get_code.__name__ = f"get_{kind.one}"
    add_code.__name__ = f"add_{kind.one}"
    router.add_api_route(
        f"/{name}",
        list_codes,
        methods=["GET"],
        response_model=ReferenceCodePage,
        dependencies=[allow(public=True)],
        summary=f"{kind.title_zh} List {kind.title_en}",
        responses={
            200: {
                "content": {
                    "application/json": {
                        "example": {
                            "items": [
                                {
                                    **EXAMPLES[name],
                                    "source": "shipped",
                                    "added_at": None,
                                    "updated_at": "2026-11-25T08:00:00+00:00",
                                }
                            ],
                            "next_cursor": "WyIzNzAzMDMiXQ",
                        }
                    }
                }
            },
            **NOT_MODIFIED,
        },
        description=f"Source: {kind.source}. Levels: {kind.levels}. Public, read-only, cacheable "
        "(`Cache-Control: public, max-age=3600`, an `ETag` for `If-None-Match` → 304, `Last-Modified` once a "
        "platform admin has added a code). Codes added by platform admins appear with `source: override`. "
        "公开、只读、可缓存的代码表，支持增量同步。"
        + SYNC_DOC
        + "the token stays the same until a code is added, so the page keeps its tag. `include_deleted` is "
        "accepted for uniformity: codes are never removed nor changed (a platform admin only adds missing ones), so "
        "there are no tombstones.",
    )
    router.add_api_route(
        f"/{name}/{{code}}",
        get_code,
        methods=["GET"],
        response_model=ReferenceCodePublic,
        dependencies=[allow(public=True)],
        summary=f"{kind.title_zh}代码 Get one of the {kind.title_en}",
        description=f"按代码查询一条{kind.title_zh}代码；代码不在表中时返回 404（其他接口仍接受格式正确的未知代码，"
        "并标记 `code_known: false`）。公共数据，可缓存一小时，支持 `If-None-Match` → 304。\n\n"
        f"e.g. `/v1/reference/{name}/{kind.example}`. 404 when the code is not in the table "
        "(other endpoints still accept well-formed unknown codes and flag them `code_known: false`).",
        responses={
            200: {
                "content": {
                    "application/json": {
                        "example": {
                            **EXAMPLES[name],
                            "source": "shipped",
                            "added_at": None,
                            "updated_at": "2026-11-25T08:00:00+00:00",
                        }
                    }
                }
            },
            **NOT_MODIFIED,
            **problem_responses(404),
        },
    )
    router.add_api_route(
        f"/{name}",
        add_code,
        methods=["POST"],
        status_code=201,
        response_model=ReferenceCodePublic,
        dependencies=[allow(roles=("platform_admin",))],
        summary=f"补充{kind.title_zh}代码 Add a missing code to {kind.title_en}",
        description=f"仅平台管理员可用：为随系统发布的{kind.title_zh}代码表补充缺少的代码；代码须格式正确且尚不存在，"
        "补充后列表的 `ETag` 随之改变。\n\n"
        "Platform admins only. For codes the shipped table lacks (see docs/reference-data.md); the "
        "code must be well-formed and not present yet.",
        responses={
            201: {
                "content": {
                    "application/json": {
                        "example": {
                            "code": "410306",
                            "name": "动物防疫与检疫",
                            "level": "major",
                            "parent_code": "4103",
                            "attributes": {},
                            "source": "override",
                            "added_at": "2026-11-25T08:00:00+00:00",
                            "updated_at": "2026-11-25T08:00:00+00:00",
                        }
                    }
                }
            },
            **problem_responses(401, 403, 409, 422),
        },
    )


for _kind in KINDS:
    _add_routes(_kind)
