"""`GET /v1/training-stats/apprenticeships` — the 现代学徒制 figures of an organization or an alliance for a period."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from services.training.apprenticeships import figures
from services.training.apprenticeships.access import check_figure_params, figure_orgs
from services.training.parties import READ

router = APIRouter(prefix="/v1/training-stats/apprenticeships", tags=["training-stats"])

FIGURE_LINES = "\n".join(f"* `{k}` — {v}" for k, v in figures.RULES.items())


@router.get(
    "",
    response_model=figures.ApprenticeRegisterFigures,
    dependencies=[READ],
    summary="现代学徒制统计 Apprenticeship figures",
    description="一个单位或一个联盟在期间内的现代学徒制学徒、校企双导师和签订合同的数量，每项注明期间口径。\n\n"
    "The apprentices, mentor pairs and contracts of an organization (records it is the school or the enterprise "
    "of) or of an alliance (records of its members on `period_end`) for a period, both ends inclusive, at most ten "
    "years; exactly one of `org_id` / `alliance_id`. Deleted records never count. Figures and their period rules "
    "(also in the answer's `rules`):\n" + FIGURE_LINES + "\n\n**谁可以 Who:** with `org_id`, that organization's "
    "principals; with `alliance_id`, that alliance's admins; platform admins; service principals with "
    "`training:read`. Anyone else gets 403. An alliance that does not exist is 404.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "org_ids": ["019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"],
                        "period_start": "2025-01-01",
                        "period_end": "2025-12-31",
                        "started": 8,
                        "in_training": 8,
                        "completed": 0,
                        "ended_early": 0,
                        "mentor_pairs": 8,
                        "school_mentors": 2,
                        "enterprise_mentors": 4,
                        "classes": 1,
                        "contracts_signed": 8,
                        "contracts_by_kind": {"tripartite": 8},
                        "rules": figures.RULES,
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422, 503),
    },
)
async def get_apprenticeship_figures(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    period_start: Annotated[IsoDate, Query(description="统计期间起（含） — First day of the period")],
    period_end: Annotated[IsoDate, Query(description="统计期间止（含） — Last day of the period")],
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — The organization (or alliance_id)")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — The alliance (or org_id)")] = None,
) -> figures.ApprenticeRegisterFigures:
    check_figure_params(org_id, alliance_id, period_start, period_end)
    orgs = await figure_orgs(request, principal, org_id, alliance_id, period_end)
    return await figures.compute(session, orgs, period_start, period_end)
