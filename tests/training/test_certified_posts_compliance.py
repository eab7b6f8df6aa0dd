"""`GET /v1/certificates/compliance`: of each post's holders on a day, who holds a certificate that satisfies the
post — exact on a small fixture covering every reason a holder is missing, on a past day, today and a future day.

Certificates are rows written with the ORM (their own routes are built elsewhere); posts and holders go through the
API, through the gateway, with people asked of the real membership service."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from chanjiao.dates import today
from services.training.certificates.rules import add_years
from tests.training.certified_posts_support import certificate, new_post, save, status_change
from tests.training.practice_support import new_learner, new_person

T = today()


def ago(days: int) -> date:
    return T - timedelta(days=days)


@pytest.fixture(scope="module")
async def world(tp, database):
    org = await tp.new_org("enterprise", name=f"山钢测试{uuid.uuid4().hex[:6]}")
    other = await tp.new_org("enterprise")
    clerk = tp.as_org(org, "org_staff")
    people = {k: (await new_person(tp, org, name))["id"] for k, name in PEOPLE.items()}
    learner = await new_learner(tp, database, org, "employee")  # named 张学员 (tests/training/practice_support.py)
    crane = await new_post(clerk, org, "天车工", "special_equipment", occupation_name="起重机司机", headcount=6)
    electric = await new_post(clerk, org, "电工", "special_operations", occupation_code="6-31-01")
    fitter = await new_post(clerk, org, "维修电工", "skill_level", min_level="三级/高级工")
    holders: dict[tuple[str, str], str] = {}

    async def hold(post: str, key: str, since: date) -> None:
        who = {"learner_id": learner} if key == "D" else {"person_id": people[key]}
        r = await clerk.post(f"/v1/certified-posts/{post}/holders", json={**who, "since": since.isoformat()})
        assert r.status_code == 201, r.text
        holders[(post, key)] = r.json()["id"]

    for key in ("A", "B", "C", "D", "E", "F", "G"):
        await hold(crane, key, ago(400) if key != "F" else ago(730))
    for key in ("A", "H"):
        await hold(electric, key, ago(400))
    for key in ("I", "J", "K"):
        await hold(fitter, key, ago(400))
    # F left the crane 60 days ago: on the post until the day before
    r = await clerk.delete(f"/v1/certified-posts/{crane}/holders/{holders[(crane, 'F')]}", params={"until": ago(60)})
    assert r.status_code == 204, r.text

    def person(key: str) -> dict:
        return {"person_id": uuid.UUID(people[key])}

    o = uuid.UUID(org)
    crane_cert = {"kind": "special_equipment", "occupation_name": "起重机司机"}
    certs = {
        "A1": certificate(o, **person("A"), **crane_cert, issued_on=ago(365)),
        "B": certificate(o, **person("B"), **crane_cert, issued_on=add_years(T, -5), valid_until=ago(365)),
        "C": certificate(o, **person("C"), **crane_cert, issued_on=ago(500), status="suspended", changed_on=ago(10)),
        "D": certificate(
            o, learner_id=uuid.UUID(learner), **crane_cert, issued_on=ago(730), status="revoked", changed_on=ago(20)
        ),
        "E": certificate(o, **person("E"), kind="special_operations", occupation_code="6-31-01-03", issued_on=ago(90)),
        "G": certificate(o, **person("G"), kind="special_equipment", occupation_name="叉车司机", issued_on=ago(90)),
        # A on the electric post too: reviewed every 3 years, next review in 30 days (inside the 90-day window)
        "A2": certificate(
            o,
            **person("A"),
            kind="special_operations",
            occupation_code="6-31-01-03",
            issued_on=ago(700),
            next_review_on=T + timedelta(days=30),
        ),
        "H": certificate(o, **person("H"), kind="special_operations", occupation_code="6-31-02-01", issued_on=ago(90)),
        # recorded by another organization for H: not one of this organization's records, it does not count
        "H-other": certificate(
            uuid.UUID(other), **person("H"), kind="special_operations", occupation_code="6-31-01-05", issued_on=ago(90)
        ),
        "I": certificate(
            o, **person("I"), kind="skill_level", occupation_name="维修电工", level="四级/中级工", issued_on=ago(365)
        ),
        "J": certificate(
            o, **person("J"), kind="skill_level", occupation_name="维修电工", level="二级/技师", issued_on=ago(60)
        ),
        "K": certificate(
            o, **person("K"), kind="skill_level", occupation_name="维修电工", level="三级/高级工", issued_on=ago(365)
        ),
    }
    await save(
        database,
        list(certs.values()),
        [
            status_change(certs["C"].id, "suspension", "active", "suspended", ago(10)),
            status_change(certs["D"].id, "revocation", "active", "revoked", ago(20)),
        ],
    )
    return {
        "org": org,
        "other": other,
        "people": people,
        "learner": learner,
        "posts": {"crane": crane, "electric": electric, "fitter": fitter},
        "holders": holders,
        "certs": {k: str(c.id) for k, c in certs.items()},
    }


PEOPLE = {
    k: f"{k}{name}"
    for k, name in zip(
        "ABCEFGHIJK", ("王一", "李二", "张三", "赵五", "钱六", "孙七", "周八", "吴九", "郑十", "冯十一"), strict=True
    )
}


def _missing(world, post_answer) -> list[tuple[str, str, str | None]]:
    """(holder key, why, certificate key) of a post's missing holders, in the answer's order."""
    by_id = {v: k[1] for k, v in world["holders"].items() if k[0] == post_answer["post_id"]}
    cert_keys = {v: k for k, v in world["certs"].items()}
    return [(by_id[m["holder_id"]], m["why"], cert_keys.get(m["certificate_id"])) for m in post_answer["missing"]]


def _figures(answer) -> dict[str, tuple[int, int, float | None]]:
    return {p["name"]: (p["holders"], p["certified"], p["rate"]) for p in answer["posts"]}


async def _compliance(tp, world, as_of: date | None = None):
    params = {"org_id": world["org"], **({"as_of": as_of.isoformat()} if as_of else {})}
    r = await tp.as_org(world["org"], "org_staff", scopes=("training:read",)).get(
        "/v1/certificates/compliance", params=params
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_today_every_reason_a_holder_is_missing(tp, world):
    # seed 000「确保在岗人员100%持证上岗」: an enterprise lists the posts that require a certificate and who holds
    # each, and reads per post and in total how many holders are certified and who misses a valid certificate, and why.
    answer = await _compliance(tp, world)
    assert answer["as_of"] == T.isoformat() and answer["org_id"] == world["org"]
    assert _figures(answer) == {"天车工": (6, 1, 0.1667), "电工": (2, 1, 0.5), "维修电工": (3, 2, 0.6667)}
    posts = {p["name"]: p for p in answer["posts"]}
    assert _missing(world, posts["天车工"]) == [
        ("B", "expired", "B"),
        ("C", "suspended", "C"),
        ("D", "revoked", "D"),
        ("E", "none", None),  # a certificate of another kind
        ("G", "none", None),  # of the kind, for another occupation
    ]
    assert _missing(world, posts["电工"]) == [("H", "none", None)]  # another occupation; another org's record
    assert _missing(world, posts["维修电工"]) == [("I", "level_too_low", "I")]  # 四级 below 三级; 二级 satisfies
    crane = posts["天车工"]
    assert (crane["headcount"], crane["vacancies"], crane["required_kind_label"]) == (6, 0, "特种设备作业人员证")
    names = {m["name"]: m["why_label"] for m in crane["missing"]}
    assert names == {
        "B李二": "证书已过期",
        "C张三": "证书已暂停",
        "张学员": "证书已撤销",
        "E赵五": "无证",
        "G孙七": "无证",
    }
    assert answer["total"] == {"posts": 3, "holders": 11, "certified": 4, "rate": 0.3636, "missing": 7}


async def test_a_past_day_takes_the_holders_and_the_statuses_of_that_day(tp, world):
    answer = await _compliance(tp, world, ago(90))
    # F still held the crane; C's suspension and D's revocation came later; J's certificate was not issued yet
    assert _figures(answer) == {"天车工": (7, 3, 0.4286), "电工": (2, 1, 0.5), "维修电工": (3, 1, 0.3333)}
    posts = {p["name"]: p for p in answer["posts"]}
    assert _missing(world, posts["天车工"]) == [  # holders oldest first: F came two years ago
        ("F", "none", None),
        ("B", "expired", "B"),
        ("E", "none", None),
        ("G", "none", None),
    ]
    assert _missing(world, posts["维修电工"]) == [("I", "level_too_low", "I"), ("J", "none", None)]
    assert answer["total"] == {"posts": 3, "holders": 12, "certified": 5, "rate": 0.4167, "missing": 7}
    # before anyone held a post
    empty = await _compliance(tp, world, ago(1000))
    assert _figures(empty) == {"天车工": (0, 0, None), "电工": (0, 0, None), "维修电工": (0, 0, None)}
    assert empty["total"] == {"posts": 3, "holders": 0, "certified": 0, "rate": None, "missing": 0}


async def test_a_future_day_sees_a_missed_review_end_a_certificate(tp, world):
    # A's special operations certificate is due for review in 30 days: expiring today (still certified), and
    # expired 60 days from now (a missed review ends that kind) — the electric post drops to 0 %.
    today_posts = {p["name"]: p for p in (await _compliance(tp, world))["posts"]}
    assert today_posts["电工"]["certified"] == 1
    answer = await _compliance(tp, world, T + timedelta(days=60))
    assert _figures(answer) == {"天车工": (6, 1, 0.1667), "电工": (2, 0, 0.0), "维修电工": (3, 2, 0.6667)}
    posts = {p["name"]: p for p in answer["posts"]}
    assert _missing(world, posts["电工"]) == [("A", "expired", "A2"), ("H", "none", None)]


async def test_a_holder_who_left_is_kept_in_the_history_and_counted_only_while_on_the_post(tp, world):
    crane = world["posts"]["crane"]
    clerk = tp.as_org(world["org"], "org_staff")
    every = (await clerk.get(f"/v1/certified-posts/{crane}/holders")).json()["items"]
    left = next(h for h in every if h["id"] == world["holders"][(crane, "F")])
    assert (left["since"], left["until"], left["name"]) == (ago(730).isoformat(), ago(60).isoformat(), "F钱六")
    on_day = lambda d: {h["id"] for h in every if h["since"] <= d and (h["until"] is None or d < h["until"])}  # noqa: E731
    for day in (ago(61), ago(60), T):
        r = await clerk.get(f"/v1/certified-posts/{crane}/holders", params={"as_of": day.isoformat()})
        assert {h["id"] for h in r.json()["items"]} == on_day(day.isoformat())
    assert left["id"] in on_day(ago(61).isoformat()) and left["id"] not in on_day(ago(60).isoformat())


async def test_a_higher_level_satisfies_a_lower_minimum_and_levels_follow_the_kinds_order(tp, world):
    clerk = tp.as_org(world["org"])
    fitter = world["posts"]["fitter"]
    # raising the minimum to 二级/技师: K (三级) joins I as too low; J (二级) still satisfies it
    r = await clerk.patch(f"/v1/certified-posts/{fitter}", json={"min_level": "二级/技师"})
    assert r.status_code == 200, r.text
    try:
        posts = {p["name"]: p for p in (await _compliance(tp, world))["posts"]}
        assert _missing(world, posts["维修电工"]) == [("I", "level_too_low", "I"), ("K", "level_too_low", "K")]
    finally:
        r = await clerk.patch(f"/v1/certified-posts/{fitter}", json={"min_level": "三级/高级工"})
        assert r.status_code == 200, r.text


async def test_another_tenant_is_refused_and_platform_admins_read(tp, world):
    other = tp.as_org(world["other"])
    r = await other.get("/v1/certificates/compliance", params={"org_id": world["org"]})
    assert r.status_code == 403, r.text
    assert "A王一" not in r.text
    r = await other.get(
        "/v1/certificates/compliance", params={"org_id": world["org"]}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 403 and "your own organization" in r.json()["detail"]
    r = await tp.as_alliance(await tp.new_alliance()).get(
        "/v1/certificates/compliance", params={"org_id": world["org"]}
    )
    assert r.status_code == 403
    # the other organization's own compliance: its posts only (none)
    r = await other.get("/v1/certificates/compliance", params={"org_id": world["other"]})
    assert r.status_code == 200 and r.json()["posts"] == [] and r.json()["total"]["rate"] is None
    r = await tp.admin.get("/v1/certificates/compliance", params={"org_id": world["org"], "as_of": T.isoformat()})
    assert r.status_code == 200 and r.json()["total"]["certified"] == 4
    # the parameters: org_id required, a date that is a date
    r = await tp.admin.get("/v1/certificates/compliance")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "org_id"]
    r = await tp.admin.get("/v1/certificates/compliance", params={"org_id": world["org"], "as_of": "2026-02-30"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "as_of"]
