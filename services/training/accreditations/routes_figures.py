"""`GET /v1/training-stats/accreditations` — the accreditations held and the 1+X pilot registrations of an
organization or an alliance for a period."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from services.training.accreditations import figures
from services.training.apprenticeships.access import check_figure_params, figure_orgs
from services.training.parties import READ

router = APIRouter(prefix="/v1/training-stats/accreditations", tags=["training-stats"])

FIGURE_LINES = "\n".join(f"* `{k}` — {v}" for k, v in figures.RULES.items())


@router.get(
    "",
    response_model=figures.AccreditationFigures,
    dependencies=[READ],
    summary="鉴定资质与 1+X 试点统计 Accreditation and 1+X pilot figures",
    description="一个单位或一个联盟持有的鉴定与考核资质和 1+X 试点证书备案的数量，每项注明期间口径。\n\n"
    "The accreditations held and the 1+X pilot registrations of an organization or of an alliance (its members on "
    "`period_end`) for a period, both ends inclusive, at most ten years; exactly one of `org_id` / `alliance_id`. "
    "Deleted entries never count. Figures and their period rules (also in the answer's `rules`):\n"
    + FIGURE_LINES
    + "\n\n**谁可以 Who:** with `org_id`, that organization's principals; with `alliance_id`, that alliance's "
    "admins; platform admins; service principals with `training:read`. Anyone else gets 403. An alliance that does "
    "not exist is 404.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "org_ids": ["019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"],
                        "period_start": "2025-01-01",
                        "period_end": "2025-12-31",
                        "accreditations_held": 1,
                        "accreditations_by_kind": {"appraisal_station": 1},
                        "pilot_registrations": 30,
                        "pilot_registrations_new": 30,
                        "pilot_schools": 1,
                        "rules": figures.RULES,
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422, 503),
    },
)
async def get_accreditation_figures(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    period_start: Annotated[IsoDate, Query(description="统计期间起（含） — First day of the period")],
    period_end: Annotated[IsoDate, Query(description="统计期间止（含） — Last day of the period")],
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — The organization (or alliance_id)")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — The alliance (or org_id)")] = None,
) -> figures.AccreditationFigures:
    check_figure_params(org_id, alliance_id, period_start, period_end)
    orgs = await figure_orgs(request, principal, org_id, alliance_id, period_end)
    return await figures.compute(session, orgs, period_start, period_end)
