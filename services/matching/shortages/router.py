"""`/v1/shortage-occupations` — an alliance's admins flag occupations as 急需紧缺 for a period; every principal with
`matching:read` reads the flags (they are what the ranking explains). Thin endpoints: check the caller, one service
call, commit once."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, Principal, PrincipalDep, allow
from chanjiao.dates import IsoDate
from chanjiao.errors import FieldError, Forbidden, ValidationFailed, problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import created, one
from services.matching.shortages import service
from services.matching.shortages.schemas import (
    EXAMPLE,
    ShortageOccupationCreate,
    ShortageOccupationList,
    ShortageOccupationPublic,
    render,
)

router = APIRouter(prefix="/v1/shortage-occupations", tags=["shortage-occupations"])

READ = allow(scopes=("matching:read",))
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("matching:write",), tenant="alliance")
IdPath = Annotated[uuid.UUID, Path(description="急需紧缺职业标记 ID — the flag's id")]

WHO = (
    "\n\n**谁可以 Who:** 写：该联盟的管理员（秘书处用户或联盟 API 密钥，`matching:write`）与平台管理员；其他人 403。"
    "读：任何持有 `matching:read` 的主体。 Writes: the alliance's admins (its secretariat users or the alliance's "
    "API key, with `matching:write`) and platform admins; anyone else 403. Reads: any principal with `matching:read`."
)


def _ensure_admin(principal: Principal, alliance_id: uuid.UUID) -> None:
    if not principal.administers_alliance(alliance_id):
        raise Forbidden(
            detail_zh="只有该联盟的管理员可以标记急需紧缺职业",
            detail_en="Only the alliance's admins may flag its shortage occupations",
        )


@router.post(
    "",
    status_code=201,
    response_model=ShortageOccupationPublic,
    dependencies=[WRITE],
    summary="标记急需紧缺职业 Flag a shortage occupation",
    description="联盟管理员把一个职业（或职业类别）标记为某期间的急需紧缺职业；在该联盟发布、需求期间与之重合、"
    "职业在其下的需求在排序中获得急需紧缺加分，并在解释中写明。\n\n"
    "An alliance admin flags an occupation code (any level: a group code covers the occupations under it) as a "
    "shortage occupation for a period. Demands posted in the alliance that name such an occupation and whose period "
    "meets the flag's get the shortage boost of the ranking, shown in its explanation "
    "(docs/matching-ranking-routes.md). An alliance membership does not know is 422 naming `alliance_id`." + WHO,
    responses={
        201: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 422, 503),
    },
)
async def create_shortage_occupation(
    request: Request,
    body: ShortageOccupationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    _ensure_admin(principal, body.alliance_id)
    if not await request.app.state.membership_directory.alliance_exists(body.alliance_id):
        raise ValidationFailed(
            detail_zh="联盟不存在",
            detail_en="No such alliance",
            errors=[FieldError(["body", "alliance_id"], "联盟不存在", "no such alliance", "unknown")],
        )
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=ShortageOccupationList,
    dependencies=[READ],
    summary="查询联盟的急需紧缺职业 List an alliance's shortage occupations",
    description="急需紧缺职业标记（每个联盟至多 500 个），可按联盟、职业代码和日期筛选，不分页。\n\n"
    "Live flags (at most 500 per alliance, so the list is not paged), by alliance, occupation code and period; "
    "filters: `alliance_id`, `occupation_code`, `active_on` (flags whose period contains that day)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE]}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_shortage_occupations(
    session: SessionDep,
    alliance_id: Annotated[
        uuid.UUID | None, Query(description="联盟（不给则为全部联盟） — alliance (none: every alliance)")
    ] = None,
    occupation_code: Annotated[
        str | None, Query(max_length=20, description="职业代码（精确） — occupation code (exact)")
    ] = None,
    active_on: Annotated[IsoDate | None, Query(description="当日有效 — flags in force on this day")] = None,
) -> ShortageOccupationList:
    rows = await service.of_alliance(
        session, alliance_id=alliance_id, occupation_code=occupation_code, active_on=active_on
    )
    return ShortageOccupationList(items=[render(r) for r in rows])


@router.get(
    "/{flag_id}",
    response_model=ShortageOccupationPublic,
    dependencies=[READ],
    summary="急需紧缺职业标记详情 Get a shortage occupation flag",
    description="一个急需紧缺职业标记，带 `ETag`。\n\nOne flag, with its `ETag`." + WHO,
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 404)},
)
async def get_shortage_occupation(flag_id: IdPath, session: SessionDep) -> Response:
    return one(render(await service.get(session, flag_id)))


@router.delete(
    "/{flag_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="撤销急需紧缺职业标记 Delete a shortage occupation flag",
    description="联盟管理员撤销一个标记；此后排序不再因它加分。\n\n"
    "The alliance's admin removes a flag (kept as a deleted row with its audit trail); from then on the ranking "
    "no longer boosts for it. To end a flag early, delete it and flag again with the shorter period." + WHO,
    responses=problem_responses(401, 403, 404),
)
async def delete_shortage_occupation(flag_id: IdPath, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get(session, flag_id, for_update=True)
    _ensure_admin(principal, row.alliance_id)
    await service.delete(session, row=row, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
