"""`GET /v1/certificates/due` — an organization's certificates due for review or expiring (services/training/
certificates/due.py)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.dates import today
from chanjiao.errors import Forbidden, problem_responses
from chanjiao.pagination import CursorQuery, LimitQuery
from services.training.certificates import due
from services.training.certificates.due import CertificateDuePage

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

READ = allow(scopes=("training:read",))
MAX_WITHIN_DAYS = 3650

_EXAMPLE = {
    "certificate_id": "019abf41-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "kind": "special_operations",
    "kind_label": "特种作业操作证",
    "number": "T3707************34",
    "recorded": True,
    "issuer_name": "潍坊市应急管理局",
    "holder_name": "王建华",
    "learner_id": None,
    "person_id": "019abf40-0000-7000-8000-000000000001",
    "occupation_name": "低压电工作业",
    "level": None,
    "due_kind": "review",
    "due_kind_label": "复审",
    "due_on": "2027-01-15",
    "days_left": 43,
    "valid_until": "2030-01-15",
    "next_review_on": "2027-01-15",
    "status": "expiring",
    "status_label": "即将到期",
}

DESCRIPTION = """本单位人员（员工或学员）持有的、在今后 `within_days` 天内到期或须复审的证书，以及已逾期但仍未暂停、
撤销或换证的证书，按到期日期排序，游标分页。企业据此保持持证上岗 100%。

An organization's certificates — held by its people (staff) or its learners (`holder_org_id` = `org_id`) — whose
expiry (`valid_until`) or next review (`next_review_on`, 复审) falls on or before today + `within_days` (Asia/Shanghai),
overdue ones included, so an enterprise keeps 持证上岗 at 100%. One item per due date: a certificate of a kind with
reviews may appear twice (`due_kind` `review` and `expiry`). Each item gives the holder's name as on the certificate,
kind, number, the due kind and date, `days_left` (negative when overdue) and the status derived as of today. Only
certificates whose stored status is active and that no renewal or replacement has replaced are listed (a suspended
or revoked certificate is not in use; a replaced one is done with). Ordered by `due_on`, then certificate and due
kind; keyset-paginated (`limit`, `cursor` → `next_cursor`). Reminders for the same dates: docs/domain.md
("Certificate reminders").

Without `org_id`: the caller's own organization's list; a platform admin or a service principal (who act for no
organization) gets every organization's.

**谁可以 Who:** the organization's principals (org_admin or org_staff, users or its API key, with `training:read`),
platform admins and service principals with `training:read`. Anyone else gets **403** — as for the organization's
figures (`GET /v1/training-stats`): organizations are public directory entries, so refusing openly reveals nothing."""


@router.get(
    "/due",
    response_model=CertificateDuePage,
    dependencies=[READ],
    summary="到期与复审清单 Certificates due for review or expiring",
    description=DESCRIPTION,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_due_certificates(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    org_id: Annotated[
        uuid.UUID | None,
        Query(
            description="持证人所在单位（默认本单位）— the organization whose people or learners hold them (default: "
            "the caller's own; for platform admins and services, every organization)"
        ),
    ] = None,
    within_days: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_WITHIN_DAYS,
            description="今后多少天内到期（0–3650，默认为证书即将到期提醒窗口）— due within this many days from today "
            "(0–3650; default: the expiring window, `certificate_expiring_window_days`)",
        ),
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> CertificateDuePage:
    everything = principal.is_platform_admin or principal.kind == "service"
    if org_id is None and not everything and principal.org_id is not None:
        org_id = uuid.UUID(str(principal.org_id))
    if not (everything or (org_id is not None and principal.acts_for_org(org_id))):
        raise Forbidden(
            detail_zh="只能查看本单位人员的证书到期清单",
            detail_en="You may only list the due certificates of your own organization",
        )
    window = request.app.state.settings.certificate_expiring_window_days
    day = today()
    rows, next_cursor = await due.page(
        session,
        org_id=org_id,
        today=day,
        within_days=window if within_days is None else within_days,
        cursor=cursor,
        limit=limit,
    )
    items = [due.render(cert, kind, on, today=day, window_days=window) for cert, kind, on in rows]
    return CertificateDuePage(items=items, next_cursor=next_cursor)
