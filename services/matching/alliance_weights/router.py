"""`/v1/matching-weights/{alliance_id}` — an alliance's ranking weights: its admins set them, every principal with
`matching:read` reads them. The ranking of a demand or offer posted in the alliance uses them
(docs/matching-ranking-routes.md)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, PrincipalDep, allow
from chanjiao.errors import Forbidden, NotFound, problem_responses
from chanjiao.resources import one
from services.matching.alliance_weights import service
from services.matching.alliance_weights.schemas import EXAMPLE, AllianceWeightsPublic, WeightsOverride, render

router = APIRouter(prefix="/v1/matching-weights", tags=["matching-weights"])

READ = allow(scopes=("matching:read",))
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("matching:write",), tenant="alliance")
AlliancePath = Annotated[uuid.UUID, Path(description="联盟 ID — the alliance's id")]


async def _ensure_alliance(request: Request, alliance_id: uuid.UUID) -> None:
    """404 unless membership knows the alliance (the app's membership directory, cached; 503 while membership is down
    and nothing is cached — services/matching/main.py opens it)."""
    if not await request.app.state.membership_directory.alliance_exists(alliance_id):
        raise NotFound(detail_zh="联盟不存在", detail_en="No such alliance")


RULES = (
    "\n\n**默认 Defaults** (points of 1000): field_fit 300, capacity_fit 100, education_level 100, geography 120, "
    "period_overlap 100, relationship 100, track_record 80, shortage 100 (services/matching/scoring/weights.py)."
)


@router.get(
    "/{alliance_id}",
    response_model=AllianceWeightsPublic,
    dependencies=[READ],
    summary="联盟排序权重 Get an alliance's ranking weights",
    description="联盟的排序权重：覆盖项、实际使用的权重与默认值；从未设置时为 404（排序用默认权重）。\n\n"
    "The alliance's override, the effective weights and the defaults. 404 when the alliance never set any (or is "
    "unknown): its rankings use the defaults below. Anyone with `matching:read` may read them." + RULES,
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 404)},
)
async def get_matching_weights(alliance_id: AlliancePath, session: SessionDep) -> Response:
    row = await service.get(session, alliance_id)
    if row is None:
        raise NotFound(
            detail_zh="该联盟未设置排序权重，排序使用默认权重",
            detail_en="This alliance has set no ranking weights: rankings use the defaults",
        )
    return one(render(alliance_id, row))


@router.put(
    "/{alliance_id}",
    response_model=AllianceWeightsPublic,
    dependencies=[WRITE],
    summary="设置联盟排序权重 Set an alliance's ranking weights",
    description="联盟管理员设置排序权重的覆盖项（整数分）；未给出的项按默认值比例分配余下分数，合计 1000。"
    "在该联盟发布的需求与供给的排序使用这些权重。\n\n"
    "The alliance's admins (secretariat users or the alliance's API key, `matching:write`) and platform admins "
    "replace the override; others get 403. The body names some components; the rest are re-scaled from the "
    "defaults so the whole sums to 1000. 422 names the component and the rule (unknown, range, sum). Rankings of "
    "demands and offers posted in the alliance use the result. An alliance membership does not know is 404." + RULES,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
async def put_matching_weights(
    request: Request, alliance_id: AlliancePath, body: WeightsOverride, session: SessionDep, principal: PrincipalDep
) -> Response:
    if not principal.administers_alliance(alliance_id):
        raise Forbidden(
            detail_zh="只有该联盟的管理员可以设置排序权重",
            detail_en="Only the alliance's admins may set its ranking weights",
        )
    await _ensure_alliance(request, alliance_id)
    row = await service.put(session, alliance_id=alliance_id, override=body.named(), actor=principal.actor)
    public = render(alliance_id, row)
    await session.commit()
    return one(public)
