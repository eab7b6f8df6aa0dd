"""Certificates in the training figures (`/v1/training-stats`, block `certificates`): the certificates the
organization's learners and people obtained in the period, issued on the platform and recorded from outside
authorities alike, by kind, with their distinct holders."""

import pytest

from tests.training.certificate_support import RECORD, issue, new_world, record, record_body

STATS = "/v1/training-stats"


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


def period(org: str, year: int) -> dict[str, str]:
    return {"org_id": org, "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"}


def kind_of(figures: dict, kind: str) -> dict:
    return next(k for k in figures["by_kind"] if k["kind"] == kind)


async def test_certificates_obtained_in_the_period_issued_and_recorded_alike(tp, w):
    # seed 000「已有 165 名学生获得 1+X 证书」: the alliance reports how many certificates its members' students
    # obtained, whoever issued them — a 1+X certificate is issued by a 培训评价组织 and recorded by the school.
    await issue(tp, w, kind="completion", issued_on="2024-06-30")
    r = await tp.as_org(w["school"]).post(
        RECORD,
        json=record_body(
            w,
            kind="skill_level_1x",
            level="中级",
            learner_id=w["learner"],
            person_id=None,
            holder_org_id=w["school"],
            issuer_name="北京中物联物流采购培训中心",
            issuer_authority="evaluation_org",
            occupation_name="物流管理",
            issued_on="2024-12-20",
        ),
    )
    assert r.status_code == 201, r.text
    await issue(tp, w, kind="completion", issued_on="2023-12-31")  # the year before: not in 2024
    await record(tp, w, issued_on="2024-03-15")  # the enterprise's worker: the enterprise's figures

    school = (await tp.admin.get(STATS, params=period(w["school"], 2024))).json()["certificates"]
    assert (school["certificates"], school["issued"], school["recorded"], school["holders"]) == (2, 1, 1, 1)
    assert kind_of(school, "skill_level_1x") == {
        "kind": "skill_level_1x",
        "label": "1+X 职业技能等级证书",
        "certificates": 1,
        "issued": 0,
        "recorded": 1,
    }
    assert kind_of(school, "completion")["issued"] == 1
    assert len(school["by_kind"]) == 8 and kind_of(school, "special_equipment")["certificates"] == 0

    enterprise = (await tp.admin.get(STATS, params=period(w["enterprise"], 2024))).json()["certificates"]
    assert (enterprise["certificates"], enterprise["recorded"], enterprise["holders"]) == (1, 1, 1)
    assert kind_of(enterprise, "special_operations")["recorded"] == 1

    earlier = (await tp.admin.get(STATS, params=period(w["school"], 2023))).json()["certificates"]
    assert (earlier["certificates"], earlier["holders"]) == (1, 1)
