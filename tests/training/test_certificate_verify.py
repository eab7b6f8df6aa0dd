"""Public certificate verification through the gateway, anonymous: the answer, revocation shown as revoked with its
reason (never "not found", never a stale body), the status and `checked_on` rolling over with the day, caching and
revalidation, the 404 that gives no hint, the page for phones, the recorded certificate's statement, the holder's
QR code and verification counts (docs/api.md, "Certificate verification")."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from types import SimpleNamespace

import pytest
import rfc8785
import segno
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.training.certificates import counts, routes_verify
from services.training.certificates.verification import mask_name, verification_url
from tests.training.certificate_verify_support import (
    change_status,
    issue,
    qr_modules,
    review,
    stored_answer,
    training_app,
)
from tests.training.conftest import TrainingPlatform

VERIFY = "/v1/certificates/verify"


@pytest.fixture
def on_day(monkeypatch):
    """Sets the day the service checks answers on (Asia/Shanghai "today")."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(routes_verify, "today", lambda: day)

    set_day(date(2026, 12, 3))
    return set_day


@pytest.fixture(scope="module")
async def school(tp: TrainingPlatform) -> str:
    return await tp.new_org("higher_vocational", name="潍坊职业学院")


async def test_a_valid_certificate_answers_its_public_facts_signed_and_cacheable(tp, school, on_day):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school, level=None, occupation_name="低压电工作业")
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "public, max-age=60"
    assert "accept" in r.headers["vary"].lower()
    answer = r.json()
    assert r.content == rfc8785.dumps(answer), "served as its canonical (JCS) bytes"
    assert answer["status"] == "valid" and answer["status_label"] == {"zh": "有效", "en": "valid"}
    assert answer["checked_on"] == "2026-12-03"
    assert answer["kind"] == "special_operations" and answer["kind_label"]["zh"] == "特种作业操作证"
    assert answer["occupation_name"] == "低压电工作业"
    assert answer["issued_on"] == "2024-03-01" and answer["valid_until"] == "2030-03-01"
    assert answer["next_review_on"] == "2027-06-01"
    assert answer["holder_name_masked"] == "张*明"
    assert answer["issuer"] == {
        "name": "潍坊职业学院",
        "authority": "platform_org",
        "authority_label": {"zh": "平台成员单位", "en": "member organization of the platform"},
        "org_id": school,
    }
    assert answer["recorded"] is False and "签发" in answer["statement"]["zh"]
    assert answer["status_reason"] is None and answer["status_changed_on"] is None
    assert answer["signature"]["alg"] == "EdDSA" and answer["signature"]["kid"]

    # Revalidation: the tag answers 304 without a body; the stored answer is not signed again.
    before = await stored_answer(app, cert.id)
    again = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == r.headers["etag"] and again.headers["cache-control"] == "public, max-age=60"
    assert (await stored_answer(app, cert.id)).signed_at == before.signed_at


async def test_a_revoked_certificate_answers_revoked_with_its_reason_never_a_stale_body(tp, school, on_day):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    first = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert first.json()["status"] == "valid"
    assert (await stored_answer(app, cert.id)).body is not None  # the signed answer is stored

    # The status change's transaction invalidates the answer — even without a new version, the next read re-signs.
    await change_status(app, cert.id, "revoked", "证书系伪造，经核查撤销", date(2026, 12, 2), bump=False)
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"If-None-Match": first.headers["etag"]})
    assert r.status_code == 200, "the old tag is no longer current"
    answer = r.json()
    assert answer["status"] == "revoked" and answer["status_label"]["zh"] == "已撤销"
    assert answer["status_reason"] == "证书系伪造，经核查撤销"
    assert answer["status_changed_on"] == "2026-12-02"
    assert (await stored_answer(app, cert.id)).signed_status == "revoked"

    page = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "已撤销" in page.text and "证书系伪造，经核查撤销" in page.text


async def test_suspension_and_reinstatement_show_at_once(tp, school, on_day):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    assert (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()["status"] == "valid"
    await change_status(app, cert.id, "suspended", "复审未通过，暂停", date(2026, 12, 3))
    answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()
    assert (answer["status"], answer["status_reason"]) == ("suspended", "复审未通过，暂停")
    await change_status(app, cert.id, "active", None, date(2026, 12, 3))
    answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()
    assert (answer["status"], answer["status_reason"], answer["status_changed_on"]) == ("valid", None, None)


async def test_the_derived_status_and_checked_on_roll_over_with_the_day(tp, school, on_day):
    app = training_app(tp.platform)
    # 特种作业操作证 reviewed every 3 years; the window is 90 days (TrainingSettings default).
    cert = await issue(app, holder_org_id=school, valid_until=date(2030, 3, 1), next_review_on=date(2027, 6, 1))

    on_day(date(2026, 11, 30))
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert (r.json()["status"], r.json()["checked_on"]) == ("valid", "2026-11-30")
    signed = await stored_answer(app, cert.id)

    on_day(date(2026, 12, 1))  # a new day, still valid: signed again for the day
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert (r.json()["status"], r.json()["checked_on"]) == ("valid", "2026-12-01")
    assert (await stored_answer(app, cert.id)).checked_on == date(2026, 12, 1)
    assert (await stored_answer(app, cert.id)).etag != signed.etag

    on_day(date(2027, 4, 1))  # 61 days before the review date: inside the window
    assert (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()["status"] == "expiring"

    on_day(date(2027, 6, 2))  # the review date passed without a passed review: this kind expires
    answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()
    assert (answer["status"], answer["checked_on"]) == ("expired", "2027-06-02")

    # A passed review moves the dates (a review invalidates the answer): valid again, with the new dates.
    await review(app, cert.id, next_review_on=date(2030, 3, 1), valid_until=date(2030, 3, 1))
    answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()
    assert (answer["status"], answer["next_review_on"]) == ("valid", "2030-03-01")


async def test_unknown_and_malformed_codes_are_the_same_404(tp, school, on_day):
    cert = await issue(training_app(tp.platform), holder_org_id=school)
    wrong = "A" * 32 if cert.code != "A" * 32 else "B" * 32
    answers = [
        await tp.anonymous.get(VERIFY, params={"code": wrong}),  # well-formed, unknown
        await tp.anonymous.get(VERIFY, params={"code": "not-a-code"}),  # malformed
        await tp.anonymous.get(VERIFY, params={"code": "x" * 500}),  # far too long
        await tp.anonymous.get(VERIFY),  # none
    ]
    bodies = []
    for r in answers:
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), r.text
        body = r.json()
        bodies.append((body["title"], body["detail"], body["type"]))
    assert len(set(bodies)) == 1, bodies
    assert (await tp.anonymous.get(VERIFY, params={"code": cert.code[:-1]})).status_code == 404
    en = await tp.anonymous.get(VERIFY, params={"code": wrong}, headers={"Accept-Language": "en"})
    assert en.json()["detail"] == "No certificate has this verification code"
    page = await tp.anonymous.get(VERIFY, params={"code": wrong}, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "未找到该证书" in page.text and "<script" not in page.text


async def test_a_recorded_certificate_says_the_platform_does_not_vouch_for_it(tp, school, on_day):
    # seed 000「应急局特种作业…市场监督管理局特种设备作业」: such certificates are issued outside the platform
    cert = await issue(
        training_app(tp.platform),
        holder_org_id=school,
        recorded=True,
        kind="special_equipment",
        issuer_name="潍坊市市场监督管理局",
        issuer_authority="market_regulation",
        occupation_name="叉车司机",
        valid_until=date(2028, 3, 1),
        next_review_on=date(2028, 3, 1),
    )
    answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).json()
    assert answer["recorded"] is True
    assert answer["issuer"]["name"] == "潍坊市市场监督管理局" and answer["issuer"]["org_id"] is None
    assert "并非由本平台" in answer["statement"]["zh"] and "不为证书本身的真实性担保" in answer["statement"]["zh"]
    assert "not issued by the platform" in answer["statement"]["en"]
    assert "does not vouch" in answer["statement"]["en"]
    page = await tp.anonymous.get(
        VERIFY, params={"code": cert.code}, headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    assert "Recorded certificate (not issued by the platform)" in page.text and 'lang="en"' in page.text


async def test_the_page_escapes_everything_and_speaks_chinese_by_default(tp, school, on_day):
    cert = await issue(training_app(tp.platform), holder_org_id=school, occupation_name='<script>alert("x")</script>')
    zh = await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "<script" not in zh.text and "&lt;script&gt;" in zh.text
    assert 'lang="zh-CN"' in zh.text and "有效" in zh.text and "张*明" in zh.text
    assert "script-src" not in zh.headers["content-security-policy"]
    assert zh.headers["content-security-policy"].startswith("default-src 'none'")
    en = await tp.anonymous.get(
        VERIFY, params={"code": cert.code}, headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    assert "Certificate verification" in en.text and ">valid<" in en.text
    assert en.headers["etag"] != zh.headers["etag"]
    hit = await tp.anonymous.get(
        VERIFY, params={"code": cert.code}, headers={"Accept": "text/html", "If-None-Match": zh.headers["etag"]}
    )
    assert hit.status_code == 304


async def test_the_qr_code_holds_the_verification_url_from_the_public_base_url(tp, school, on_day):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    holder = tp.as_org(school, "org_staff")
    r = await holder.get(f"/v1/certificates/{cert.id}/qr", headers={"Host": "attacker.example"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and r.headers["cache-control"] == "no-store"
    url = verification_url(app.state.settings.public_base_url, cert.code)
    assert "attacker.example" not in url
    # The picture's modules are those of the URL's QR code (segno's encoding of the same text, same settings).
    assert qr_modules(r.content, scale=8, border=4) == [
        list(row) for row in segno.make(url, error="m", micro=False).matrix
    ]
    svg = await holder.get(f"/v1/certificates/{cert.id}/qr", params={"format": "svg"})
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text
    bad = await holder.get(f"/v1/certificates/{cert.id}/qr", params={"format": "gif"})
    assert bad.status_code == 422 and "format" in json.dumps(bad.json()["errors"])

    other = await tp.new_org("enterprise")
    assert (await tp.as_org(other).get(f"/v1/certificates/{cert.id}/qr")).status_code == 404
    assert (await tp.anonymous.get(f"/v1/certificates/{cert.id}/qr")).status_code == 401


async def test_verifications_are_counted_per_day_for_the_holder(tp, school, on_day):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    on_day(date(2026, 12, 2))
    for _ in range(3):
        assert (await tp.anonymous.get(VERIFY, params={"code": cert.code})).status_code == 200
    on_day(date(2026, 12, 3))
    first = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    await tp.anonymous.get(VERIFY, params={"code": cert.code}, headers={"If-None-Match": first.headers["etag"]})
    await tp.anonymous.get(VERIFY, params={"code": "A" * 31 + "b"})  # not found: not counted
    assert await app.state.verification_counter.flush(app.state.engine) >= 5
    holder = tp.as_org(school)
    r = await holder.get(f"/v1/certificates/{cert.id}/verifications")
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 5
    assert r.json()["items"] == [{"day": "2026-12-02", "count": 3}, {"day": "2026-12-03", "count": 2}]

    # Counts add up across flushes (an upsert, not a replacement).
    await tp.anonymous.get(VERIFY, params={"code": cert.code})
    await app.state.verification_counter.flush(app.state.engine)
    r = await holder.get(f"/v1/certificates/{cert.id}/verifications")
    assert r.json()["items"][-1] == {"day": "2026-12-03", "count": 3}

    other = await tp.new_org("enterprise")
    assert (await tp.as_org(other).get(f"/v1/certificates/{cert.id}/verifications")).status_code == 404


def test_mask_name_keeps_only_the_first_and_last_character():
    assert [mask_name(n) for n in ("张三明", "李四", "欧阳小锋", "王")] == ["张*明", "李*", "欧**锋", "*"]


async def _count_of(app, certificate_id, day: date) -> int | None:
    async with app.state.engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(counts.COUNTS.c.count).where(
                    counts.COUNTS.c.certificate_id == certificate_id, counts.COUNTS.c.day == day
                )
            )
        ).scalar_one_or_none()


async def test_counts_are_flushed_by_the_task_and_at_shutdown_and_kept_when_a_flush_fails(tp, school):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    settings = app.state.settings.model_copy(update={"certificate_verification_flush_seconds": 0.1})
    process = SimpleNamespace(state=SimpleNamespace(settings=settings, engine=app.state.engine))
    await counts.start(process)
    counter = process.state.verification_counter
    counter.add(cert.id, date(2026, 1, 1))
    for _ in range(100):  # the task writes within a flush interval or two
        if await _count_of(app, cert.id, date(2026, 1, 1)) == 1:
            break
        await asyncio.sleep(0.05)
    assert await _count_of(app, cert.id, date(2026, 1, 1)) == 1
    counter.add(cert.id, date(2026, 1, 2))
    counter.add(cert.id, date(2026, 1, 2))
    await counts.stop(process)  # shutdown: the task stops, what is left is written
    assert process.state.verification_flusher.done()
    assert await _count_of(app, cert.id, date(2026, 1, 2)) == 2

    # A flush that fails keeps its counts for the next one.
    broken = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    counter.add(cert.id, date(2026, 1, 3))
    with pytest.raises(OSError):
        await counter.flush(broken)
    await broken.dispose()
    assert counter.pending[(cert.id, date(2026, 1, 3))] == 1
    assert await counter.flush(app.state.engine) == 1
    assert await _count_of(app, cert.id, date(2026, 1, 3)) == 1
