"""`GET /v1/training-stats/teachers` — the teacher figures of an organization or an alliance for a period: 双师培训,
企业实践 人月, 兼职授课 and competition awards, each teacher counted once through the membership person
(services/training/stats/teachers.py has the rules)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.dates import IsoDate
from chanjiao.errors import Forbidden, NotFound, problem_responses
from services.training.orgs import org_directory
from services.training.stats import service, teachers
from services.training.stats.router import _check_params, _may_read
from services.training.stats.teacher_schemas import TeacherStats

router = APIRouter(prefix="/v1/training-stats", tags=["training-stats"])

READ = allow(scopes=("training:read",))

_RULE = {"code": "ends_in_period", "zh": "培训项目结束日期在期间内", "en": "the programme's end_on lies in the period"}
EXAMPLE = {
    "org_id": None,
    "alliance_id": "019abf2f-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "period_start": "2023-01-01",
    "period_end": "2023-12-31",
    "member_orgs": 96,
    "teachers": 4380,
    "unlinked_teachers": 12,
    "dual_teacher_training": {"period_rule": _RULE, "person_times": 1530, "persons": 1288, "linked_persons": 1276},
    "enterprise_practice": {
        "period_rule": {**_RULE, "code": "overlaps_period"},
        "practices": 3120,
        "teachers": 2950,
        "overlap_days": 288420,
        "person_months": 9614.0,
        "unlinked_practices": 0,
    },
    "part_time_teaching": {
        "period_rule": {**_RULE, "code": "term_ends_in_period"},
        "person_times": 3512,
        "class_hours": 34128.0,
        "persons": 1420,
        "unlinked_records": 310,
    },
    "competition_awards": {"period_rule": {**_RULE, "code": "issued_in_period"}, "awards": 41, "holders": 37},
    "not_computed": [],
}

DESCRIPTION = """教师统计：一个单位或一个联盟在任一期间（含首尾两日）的双师培训人次与人数、教师企业实践人月与人数、
兼职授课人次与学时、职业技能竞赛获奖，以及去重后的教师人数 —
the teacher figures of a yearly report (开展双师培训 1500 余人次, 教师参与企业实践 9614 人月, 兼职教师 3512 人次 /
34128 学时) for any organization, alliance and period.

**A teacher is one person.** Every figure counts a teacher through the membership person (`/v1/people/{id}`): a
practice's or a teaching record's `person_id`; a learner record's `membership_person_id` (the owner links a teacher's
learner record to the person of the school — `PATCH /v1/learners/{id}`); a legacy practice by the person its learner
names. A teacher known only as a training learner counts by the learner's platform person (`unlinked_*`). `teachers`
counts distinct persons across 双师培训 + 企业实践 + 兼职授课.

**Whose records and when** — as `/v1/training-stats` (exactly one of `org_id` / `alliance_id`; for an alliance, its
members' records while they were members); each block names its `period_rule`:
* `dual_teacher_training` — `ends_in_period`: enrolments (not dropped) of teacher learners in `teacher_training`
  programmes whose `end_on` lies in the period, by provider;
* `enterprise_practice` — `overlaps_period`: practices overlapping the period, by school; 人月 = overlap days / 30;
* `part_time_teaching` — `term_ends_in_period`: records whose term ends in the period, by school;
* `competition_awards` — `issued_in_period`: `competition_award` certificates held by membership persons of the
  organization.
`not_computed` lists the teacher figures the platform cannot compute yet (双师型, titles, teaching competitions) and
why.

**谁可以 Who:** with `org_id`, that organization's principals; with `alliance_id`, that alliance's admins; platform
admins; service principals with `training:read`. Anyone else gets **403**. An alliance that does not exist is 404."""


@router.get(
    "/teachers",
    response_model=TeacherStats,
    dependencies=[READ],
    summary="教师统计 Teacher figures of an organization or an alliance for a period",
    description=DESCRIPTION,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
        503: {"description": "成员服务暂不可用 Membership cannot give the alliance's members now (Retry-After)"},
    },
)
async def get_teacher_stats(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    period_start: Annotated[IsoDate, Query(description="统计期间起（含）First day of the period")],
    period_end: Annotated[IsoDate, Query(description="统计期间止（含）Last day of the period")],
    org_id: Annotated[uuid.UUID | None, Query(description="单位 The organization (or alliance_id)")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 The alliance (or org_id)")] = None,
) -> TeacherStats:
    _check_params(org_id, alliance_id, period_start, period_end, None, [])
    if not _may_read(principal, org_id, alliance_id):
        raise Forbidden(
            detail_zh="只能查看本单位或本人管理的联盟的统计",
            detail_en="You may only read the figures of your own organization or of an alliance you administer",
        )
    if org_id is not None:
        windows = service.org_windows(org_id, period_start, period_end)
    else:
        assert alliance_id is not None
        periods = await org_directory(request).alliance_members(alliance_id)
        if periods is None:
            raise NotFound(detail_zh="联盟不存在", detail_en="No such alliance")
        windows = service.member_windows(periods, period_start, period_end)
    row = await teachers.compute(session, windows)
    return teachers.render(
        row,
        org_id=org_id,
        alliance_id=alliance_id,
        period_start=period_start,
        period_end=period_end,
        member_orgs=len({w.org_id for w in windows}),
    )
