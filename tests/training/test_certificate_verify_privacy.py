"""Nothing personal leaves through public verification but the masked holder name — every field of the answer is
checked against the learner's ID number, phone, full name, learner id, person id and holder organization — and the
answer keeps working, unchanged, after the learner's personal data is erased (docs/security.md, "Public certificate
verification")."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from services.training.certificates import routes_verify, verification
from services.training.learners.models import Learner
from tests.training.certificate_verify_support import issue, stored_answer, training_app
from tests.training.conftest import TrainingPlatform
from tests.training.test_learners_api import resident_id

VERIFY = "/v1/certificates/verify"
# Every member the public answer may have; a new one is a decision to review here.
PUBLIC_FIELDS = {
    "type",
    "version",
    "status",
    "status_label",
    "status_reason",
    "status_changed_on",
    "number",
    "kind",
    "kind_label",
    "level",
    "occupation_name",
    "occupation_code",
    "holder_name_masked",
    "issuer",
    "issued_on",
    "valid_until",
    "next_review_on",
    "recorded",
    "statement",
    "checked_on",
    "signature",
}


def leaves(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every key and scalar of a JSON value, with where it is."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out.append((f"{path}.{k} (key)", k))
            out += leaves(v, f"{path}.{k}")
        return out
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in leaves(v, f"{path}[{i}]")]
    return [(path, "" if value is None else str(value))]


def assert_nothing_personal(answer: dict[str, Any], secrets: dict[str, str], *, allowed: dict[str, str]) -> None:
    """No field holds any of `secrets` (compared without spaces, case-insensitively), except `allowed` paths."""
    for where, text in leaves(answer):
        flat = text.replace(" ", "").lower()
        for what, secret in secrets.items():
            needle = secret.replace(" ", "").lower()
            if needle and needle in flat and allowed.get(where) != what:
                pytest.fail(f"{where} holds the {what}: {text!r}")


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr(routes_verify, "today", lambda: date(2026, 12, 3))


@pytest.fixture(scope="module")
async def school(tp: TrainingPlatform) -> str:
    return await tp.new_org("higher_vocational")


async def learner_of(tp: TrainingPlatform, school: str, number: str, phone: str) -> dict[str, Any]:
    r = await tp.as_org(school).post(
        "/v1/learners",
        json={"name": "欧阳春晓", "id_number": number, "phone": phone, "learner_type": "student"},
    )
    assert r.status_code == 201, r.text
    learner = r.json()
    app = training_app(tp.platform)
    async with app.state.sessionmaker() as session:
        person = (
            await session.execute(sa.select(Learner.person_id).where(Learner.id == uuid.UUID(learner["id"])))
        ).scalar_one()
    return {**learner, "person_id": str(person)}


@pytest.mark.parametrize("recorded", [False, True], ids=["issued", "recorded"])
async def test_no_field_of_the_public_answer_holds_personal_data(tp, school, recorded):
    number, phone = resident_id(2004, "female"), "13912345678"
    learner = await learner_of(tp, school, number, phone)
    cert = await issue(
        training_app(tp.platform),
        holder_org_id=school,
        learner_id=learner["id"],
        holder_name="欧阳春晓",
        recorded=recorded,
    )
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) == PUBLIC_FIELDS
    assert answer["holder_name_masked"] == "欧**晓"
    secrets = {
        "ID number": number,
        "ID number's last digits": number[-6:],
        "masked ID number": learner["id_number_masked"],
        "phone": phone,
        "phone's last digits": phone[-4:],
        "masked phone": learner["phone_masked"],
        "full name": "欧阳春晓",
        "name without its masked part": "欧阳",
        "learner id": learner["id"],
        "person id": learner["person_id"],
        "holder organization": school,
        "certificate id": str(cert.id),
        "verification code": cert.code,
    }
    # The holder organization appears only as the issuer of a certificate it issued itself (a public directory
    # entry); a recorded certificate names no organization of the platform.
    allowed = {} if recorded else {".issuer.org_id": "holder organization"}
    assert_nothing_personal(answer, secrets, allowed=allowed)
    assert (answer["issuer"]["org_id"] is None) is recorded
    page = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"Accept": "text/html"})
    for what, secret in secrets.items():
        if what != "holder organization":
            assert secret not in page.text, f"the page shows the {what}"


async def test_the_answer_survives_the_learner_s_erasure(tp, school):
    app = training_app(tp.platform)
    learner = await learner_of(tp, school, resident_id(2003, "male"), "13700001111")
    cert = await issue(app, holder_org_id=school, learner_id=learner["id"], holder_name="欧阳春晓")
    before = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()

    r = await tp.as_org(school).post(f"/v1/learners/{learner['id']}/erasure", json={"reason": "本人申请删除个人信息"})
    assert r.status_code == 200 and r.json()["name"] == "已注销", r.text
    # Built and signed again after the erasure (as after any change): from the snapshot taken at issue.
    async with app.state.sessionmaker() as session, session.begin():
        await verification.invalidate(session, cert.id)
    after = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert after.status_code == 200, after.text
    assert (await stored_answer(app, cert.id)).body == after.content
    answer = after.json()
    assert answer["holder_name_masked"] == "欧**晓" and answer["status"] == "valid"
    strip = ("signature",)
    assert {k: v for k, v in answer.items() if k not in strip} == {k: v for k, v in before.items() if k not in strip}
    assert "已注销" not in json.dumps(answer, ensure_ascii=False)


async def test_a_certificate_numbered_with_its_holder_s_id_number_shows_it_masked(tp, school):
    # seed 000「应急局特种作业（安全管理、电工、电焊工等）」: a 特种作业操作证 is numbered with its holder's ID number.
    number = resident_id(1990, "male")
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school, recorded=True, number=number)
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert r.status_code == 200, r.text
    assert r.json()["number"] == f"{number[:4]}{'*' * 12}{number[-2:]}"
    page = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"Accept": "text/html"})
    assert number not in page.text and number[-6:] not in page.text
    other = await issue(app, holder_org_id=school, recorded=True, number="T20240301-0042")
    assert (await tp.anonymous.get(VERIFY, params={"code": other.code})).json()["number"] == "T20240301-0042"
