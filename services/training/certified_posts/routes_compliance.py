"""`GET /v1/certificates/compliance` — 持证上岗: per post of an organization, its holders on a day with a certificate
that satisfies the post, the rate, and who is missing one and why (services/training/certified_posts/compliance.py).
Under `/v1/certificates`: the question is about certificates, asked of an organization's posts."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate, today
from chanjiao.errors import Forbidden, problem_responses
from services.training.certified_posts import compliance
from services.training.certified_posts.schemas import CertificateCompliance
from services.training.parties import READ, can_read

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

_EXAMPLE = {
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "as_of": "2026-12-03",
    "posts": [
        {
            "post_id": "019abf42-3c4d-7e5f-8a6b-7c8d9e0f1a2c",
            "name": "天车工",
            "required_kind": "special_equipment",
            "required_kind_label": "特种设备作业人员证",
            "occupation_name": "起重机司机",
            "occupation_code": None,
            "min_level": None,
            "headcount": 12,
            "holders": 10,
            "certified": 9,
            "rate": 0.9,
            "vacancies": 2,
            "missing": [
                {
                    "holder_id": "019abf43-0000-7000-8000-00000000000a",
                    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
                    "learner_id": None,
                    "name": "刘师傅",
                    "why": "expired",
                    "why_label": "证书已过期",
                    "certificate_id": "019abf44-0000-7000-8000-00000000000b",
                }
            ],
        }
    ],
    "total": {"posts": 1, "holders": 10, "certified": 9, "rate": 0.9, "missing": 1},
}
DESCRIPTION = """持证上岗统计：给定单位和日期，按岗位列出当天在岗人数、持有效证书人数、持证率，
以及未持有效证书的人员和原因。

For each live post of `org_id` (`/v1/certified-posts`): its **holders** on `as_of` (default today; past and future
days alike) — `since` ≤ as_of < `until` —, how many of them are **certified** — hold a certificate of the
organization's records (held by that person or learner record) that satisfies the post on that day —, the **rate**
certified ÷ holders (4 places; null without holders), the **vacancies** (headcount − holders, when the post has a
headcount) and the **missing** holders with why. A certificate satisfies the post when:
* it is of the post's `required_kind`, and of its occupation when the post names one (the same occupation code or
  one under it, or — where either side has no code — the same occupation name);
* it was issued on or before `as_of`, and its status as of that day is `valid` or `expiring` — the certificate's
  derived status (`valid`, `expiring` inside the warning window, `expired` past its expiry or a missed review), with
  the stored suspension or revocation as it stood that day (its status history);
* its level is the post's `min_level` or higher (the kind's levels, lowest first).

**why** a holder is missing — the closest certificate it holds: `level_too_low` 等级不足 (a valid one below
`min_level`), then `suspended`, `expired`, `revoked`, and `none` (no certificate of the kind and occupation by that
day); `certificate_id` names the certificate the reason is about. `total` sums every post (a person on two posts
counts on each). The answer is computed when asked, in three statements for the whole organization.

**谁可以 Who:** the organization's principals (org_admin or org_staff, users or its API key with `training:read`),
platform admins and service principals with `training:read`. Anyone else gets **403** for another `org_id`, as for
the training figures (organizations are public directory entries: refusing openly reveals nothing)."""


@router.get(
    "/compliance",
    response_model=CertificateCompliance,
    dependencies=[READ],
    summary="持证上岗率 Certificate compliance of an organization's posts on a day",
    description=DESCRIPTION,
    responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}, **problem_responses(401, 403, 422)},
)
async def get_certificate_compliance(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    org_id: Annotated[uuid.UUID, Query(description="单位 — The organization whose posts are measured")],
    as_of: Annotated[IsoDate | None, Query(description="统计日期 — The day measured (default today)")] = None,
) -> JSONResponse:
    if not can_read(principal, org_id):
        raise Forbidden(
            detail_zh="只能查看本单位的持证上岗情况",
            detail_en="You may only read the certificate compliance of your own organization",
        )
    answer = await compliance.compute(
        session,
        org_id=org_id,
        as_of=as_of or today(),
        window_days=request.app.state.settings.certificate_expiring_window_days,
    )
    return JSONResponse(answer.model_dump(mode="json"))
