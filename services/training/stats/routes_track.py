"""`GET /v1/training-stats/track-record` — a school's certificates and completed internships in a field, read by the
matching service's ranking (services/training/stats/track.py has the rules)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.dates import today
from chanjiao.errors import FieldError, Forbidden, ValidationFailed, problem_responses
from chanjiao.validators import CodeError, normalize_code, validate_occupation_code
from services.training.stats import track

router = APIRouter(prefix="/v1/training-stats", tags=["training-stats"])

READ = allow(scopes=("training:read",))
MAX_CODES = 50


def _codes(raw: str | None) -> list[str]:
    out: list[str] = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        code = normalize_code(part)
        try:
            validate_occupation_code(code)
        except CodeError as exc:
            raise ValidationFailed(
                detail_zh=f"职业代码无效：{code}",
                detail_en=f"Invalid occupation code: {code}",
                errors=[FieldError(["query", "occupation_codes"], exc.message_zh, exc.message_en, exc.rule)],
            ) from exc
        if code not in out:
            out.append(code)
    if len(out) > MAX_CODES:
        raise ValidationFailed(
            detail_zh=f"职业代码至多 {MAX_CODES} 个",
            detail_en=f"At most {MAX_CODES} occupation codes",
            errors=[FieldError(["query", "occupation_codes"], "数量过多", "too many codes", "max_items")],
        )
    return out


@router.get(
    "/track-record",
    response_model=track.TrackRecordFigures,
    dependencies=[READ],
    summary="院校培养记录 A school's track record in a field",
    description="一所院校在给定职业领域的培养记录：其学员持有的有效证书数，以及已结束的学生实习数；供对接排序使用。\n\n"
    "The certificates the organization's learners hold now in the given occupations (a group code covers the "
    "occupations under it; none given: all), and the internships of its students that ended before today "
    "(internships carry no field: the whole count). Used by the matching ranking's track record component."
    "\n\n**谁可以 Who:** the organization's own principals, platform admins and service principals with "
    "`training:read`; anyone else 403 (organizations are public directory entries).",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "org_id": "019abf2e-0000-7000-8000-000000000003",
                        "occupation_codes": ["6-18-01-01"],
                        "certificates": 37,
                        "completed_internships": 12,
                        "on": "2026-12-03",
                    }
                }
            }
        },
        **problem_responses(401, 403, 422),
    },
)
async def get_track_record(
    session: SessionDep,
    principal: PrincipalDep,
    org_id: Annotated[uuid.UUID, Query(description="院校 — the school (organization)")],
    occupation_codes: Annotated[
        str | None,
        Query(
            max_length=1100,
            description="职业代码，逗号分隔 — occupation codes, comma-separated (none: every certificate)",
            examples=["6-18-01-01,6-18-02"],
        ),
    ] = None,
) -> track.TrackRecordFigures:
    codes = _codes(occupation_codes)
    if not (principal.kind == "service" or principal.acts_for_org(org_id)):
        raise Forbidden(
            detail_zh="只能查看本单位的培养记录",
            detail_en="You may only read your own organization's track record",
        )
    return await track.compute(session, org_id, codes, today())
