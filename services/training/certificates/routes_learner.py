"""`GET /v1/learners/{learner_id}/certificates` — a learner's certificates, for the organization that owns the
learner record only (docs/learners.md: to any other organization the learner does not exist)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.certificates import service
from services.training.certificates.models import Certificate
from services.training.certificates.router import EXAMPLE, AsOf, as_of_day, settings_of
from services.training.certificates.schemas import CertificatePage
from services.training.learners.service import require_own_learner
from services.training.parties import READ, list_responses

router = APIRouter(prefix="/v1/learners", tags=["certificates"])


@router.get(
    "/{learner_id}/certificates",
    response_model=CertificatePage,
    dependencies=[READ],
    summary="学员的证书 A learner's certificates",
    description="学员持有的证书（含登记的外部证书），只对登记该学员的单位可见。\n\n"
    "The certificates held by the learner — issued and recorded — as held by the organization that owns the learner "
    "record, each with its derived `status` (as of `as_of`, default today). Keyset-paginated; incremental sync by "
    "`since_token`/`updated_since` (certificates are never deleted: no tombstones).\n\n"
    "**可见 Visible to:** principals of the organization that registered the learner and platform admins; to anyone "
    "else the learner is 404.",
    responses=list_responses(EXAMPLE),
)
async def list_learner_certificates(
    request: Request,
    learner_id: Annotated[uuid.UUID, Path(description="学员ID — Learner id")],
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    as_of: AsOf = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（证书从不删除）", "none (certificates are never deleted)")
    ] = False,
) -> CertificatePage:
    learner = await require_own_learner(session, principal, learner_id)
    c = Certificate
    page = await service.page(
        session,
        principal,
        where=[c.learner_id == learner.id, c.holder_org_id == learner.owner_org_id],  # type: ignore[arg-type]
        since=Since.of(since_token, updated_since),
        cursor=cursor,
        limit=limit,
    )
    view = await service.view(session, page.rows, settings=settings_of(request), on=as_of_day(as_of))
    return CertificatePage(
        items=[view.render(r) for r in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token
    )
