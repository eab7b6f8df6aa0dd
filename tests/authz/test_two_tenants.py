"""Two tenants, every operation: what school V (the victim) keeps privately stays out of every other tenant's
reach, whatever route they call — built from the merged OpenAPI, so a new route is covered without a new test.

The victim is a school (`w.school_a`, an active member of alliance X). Through the API it records one of each
private thing: a person, an appointment, a learner, an enrolment in its programme, an internship, a teacher
practice, part-time teaching, a certificate issued to its learner and one recorded for its person, a skill appraisal
of its learner, an API key, a user and a draft offer on the matching market. Each person-like record carries a
unique marker in its name. The attackers are every principal that is not the victim's: the admin, staff and API
key of a school and an enterprise in alliance Y, a fellow member of alliance X, and the admins (user and key) of
alliance Y and of the victim's own alliance X (membership is not visibility).

1. **Writes.** Every write operation under `/v1`:
   * with path parameters: each parameter filled with each victim id, the route's own example body,
     `If-Match: *` — never a 2xx;
   * without (creates, batches, searches): the example body with organization fields set to the attacker's own
     organizations and every field that names a person-like record (`learner_id`, `person_id`, …) set to the
     victim's — never a 2xx (nor a 2xx item of a batch); with the victim's ID number where an `id_number` is
     asked — the answer shows nothing of the victim's (registering the same person creates the attacker's
     own record: `docs/learners.md`).
2. **Reads.** Then (so a write attempt that granted visibility is caught) every `GET` under `/v1`: with path
   parameters filled with each victim id, and lists with every id-typed query filter set to the victim's
   records and `include_deleted=true` — no 2xx answer contains a victim id or marker.
   Each such create is also sent naming the attacker's own records instead (the control): the key creates
   (enrolments, internships, teacher practice, single and batch) must go through, so a refusal is about the
   victim's record and not a broken body.
3. **Nothing changed.** Every victim record, read back as the platform admin, is as it was before.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from chanjiao.auth import Principal
from tests.authz.harness import PLATFORM, Platform, Req, World
from tests.authz.scenarios.training_programmes import PROGRAMME
from tests.training.practice_support import id_number

pytestmark = pytest.mark.filterwarnings("ignore")

PUBLIC_FLOWS = ("/v1/auth/",)  # login, claim, setup, reset: anonymous flows with their own tests
PARAM = re.compile(r"\{([^}]+)\}")
# Body fields that point at a person-like record of a tenant: the victim's goes there.
VICTIM_FIELDS = {
    "learner_id": "learner",
    "person_id": "person",
    "teacher_person_id": "person",
    "staff_person_id": "person",
    "enrolment_id": "enrolment",
    "internship_id": "internship",
    "appointment_id": "appointment",
    "user_id": "user",
}
# Where a victim record is read back (collection of its create route).
COLLECTIONS = {
    "person": "/v1/people",
    "appointment": "/v1/appointments",
    "learner": "/v1/learners",
    "enrolment": "/v1/enrolments",
    "internship": "/v1/internships",
    "teacher_practice": "/v1/teacher-practices",
    "part_time_teaching": "/v1/part-time-teaching",
    "certificate": "/v1/certificates",
    "recorded_certificate": "/v1/certificates",
    "appraisal": "/v1/appraisals",
    "api_key": "/v1/api-keys",
    "user": "/v1/users",
    "draft_offer": "/v1/offers",
}


@dataclass
class Victim:
    org: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)  # kind → id
    markers: list[str] = field(default_factory=list)
    id_number: str = ""
    snapshot: dict[str, Any] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        return [*self.ids.values(), *self.markers]


@dataclass
class Attacker:
    label: str
    principal: Principal
    school: dict[str, Any] | None = None  # the organizations it acts for (None: an alliance)
    enterprise: dict[str, Any] | None = None
    alliance: dict[str, Any] | None = None
    programme_id: str | None = None
    own: dict[str, str] = field(default_factory=dict)  # the attacker's own learner and person (the control)


def _schema_example(platform: Platform, op: dict[str, Any]) -> Any:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    if media is None:
        return None
    if "example" in media:
        return copy.deepcopy(media["example"])
    for ex in (media.get("examples") or {}).values():
        if isinstance(ex, dict) and "value" in ex:
            return copy.deepcopy(ex["value"])
    schema = media.get("schema") or {}
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = platform.openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return copy.deepcopy(examples[0])
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    return {}


def _fill(body: Any, attacker: Attacker, victim: Victim, *, own: bool = False) -> tuple[Any, bool, bool]:
    """The body with the victim's records (`own`: the attacker's records of the same kinds, the control) and the
    attacker's organizations in it, whether a field now names such a record, and whether one carries the
    victim's ID number."""
    hit = number = False
    records = attacker.own if own else victim.ids

    def walk(x: Any) -> Any:
        nonlocal hit, number
        if isinstance(x, list):
            return [walk(v) for v in x]
        if not isinstance(x, dict):
            return x
        out = {}
        for k, v in x.items():
            if k in VICTIM_FIELDS and VICTIM_FIELDS[k] in records:
                out[k], hit = records[VICTIM_FIELDS[k]], True
            elif k == "id_number" and isinstance(v, str):
                out[k], number = victim.id_number, True
            elif k == "id_type" and isinstance(v, str):
                out[k] = "resident_id"
            elif k.endswith("org_id") and isinstance(v, str) and attacker.school is not None:
                enterprise_side = any(s in k for s in ("host", "enterprise"))
                out[k] = (attacker.enterprise if enterprise_side else attacker.school)["id"]  # type: ignore[index]
            elif k == "alliance_id" and isinstance(v, str) and attacker.alliance is not None:
                out[k] = attacker.alliance["id"]
            elif k == "programme_id" and attacker.programme_id is not None:
                out[k] = attacker.programme_id
            else:
                out[k] = walk(v)
        return out

    return walk(body), hit, number


def _succeeded(r: Any) -> bool:
    """A 2xx answer, and for a batch: at least one item that went through."""
    if not 200 <= r.status_code < 300:
        return False
    try:
        body = r.json()
    except ValueError:
        return True
    if isinstance(body, dict):
        for key in ("results", "items"):
            items = body.get(key)
            if isinstance(items, list) and items and all(isinstance(i, dict) and "status" in i for i in items):
                return any(200 <= int(i["status"]) < 300 for i in items)
    return True


def _leaks(r: Any, victim: Victim) -> list[str]:
    if not 200 <= r.status_code < 300 or not r.content:
        return []
    text = r.text if "json" in r.headers.get("content-type", "") else r.content.decode("latin-1")
    return [s for s in victim.secrets() if s in text]


# ---- the victim and the attackers -------------------------------------------------------------------------------
async def _victim(w: World) -> Victim:
    v = Victim(org=w.school_a)
    tag = uuid.uuid4().hex[:6]
    school = w.school_a["id"]
    person = await w.admin_post(
        "/v1/people", {"name": f"受害人{tag}甲", "org_id": school, "phone": "13800138000", "tags": ["expert"]}
    )
    v.ids["person"] = person["id"]
    v.markers.append(person["name"])
    appointment = await w.new_appointment(person, w.org_a, appointment_type="research_assistant")
    v.ids["appointment"] = appointment["id"]
    v.id_number = id_number()
    learner = await w.admin_post(
        "/v1/learners",
        {
            "name": f"受害学员{tag}",
            "id_number": v.id_number,
            "learner_type": "student",
            "org_id": school,
            "phone": "13900139000",
        },
    )
    v.ids["learner"] = learner["id"]
    v.markers.append(learner["name"])
    programme = await w.admin_post(
        "/v1/programmes",
        {**PROGRAMME, "name": f"受害人的课程{tag}", "provider_org_id": school},
    )
    enrolment = await w.admin_post("/v1/enrolments", {"learner_id": learner["id"], "programme_id": programme["id"]})
    v.ids["enrolment"] = enrolment["id"]
    ops = w.platform.operations()
    for kind, path, extra in (
        ("internship", "/v1/internships", {}),
        ("teacher_practice", "/v1/teacher-practices", {}),
        ("part_time_teaching", "/v1/part-time-teaching", {}),
        ("certificate", "/v1/certificates", {}),  # issued to the victim's learner
        ("recorded_certificate", "/v1/certificates/records", {}),  # recorded for the victim's person
        ("appraisal", "/v1/appraisals", {}),  # the victim's learner appraised (and certified) by the school
    ):
        body = _schema_example(w.platform, ops[("POST", path)])
        body, _, _ = _fill(body, Attacker("victim", PLATFORM, school=w.school_a, enterprise=w.org_a), v)
        if kind == "part_time_teaching":
            body.pop("person_id", None)  # a person of the enterprise, optional: the school records by name
        r = await w.send(PLATFORM, Req("POST", path, json={**body, **extra}))
        assert r.status_code == 201, f"victim's {kind}: {r.status_code} {r.text}"
        v.ids[kind] = r.json()["id"]
    key = await w.admin_post(
        "/v1/api-keys", {"name": f"受害人密钥{tag}", "org_id": school, "scopes": ["training:read"]}
    )
    v.ids["api_key"] = key["id"]
    v.markers.append(key["key"])
    # A draft offer on the matching market is its school's alone until it is published (docs/matching-core.md).
    offer = await w.admin_post(
        "/v1/offers", {"org_id": school, "kind": "graduates", "title": f"受害供给{tag}", "count": 10}
    )
    v.ids["draft_offer"] = offer["id"]
    v.markers.append(offer["title"])
    invitation = await w.admin_post("/v1/users/invitations", {"org_id": school, "role": "org_staff"})
    claimed = await w.send(
        None,
        Req(
            "POST",
            "/v1/auth/claim",
            json={
                "invitation_token": invitation["invitation_token"],
                "login": f"victim-{tag}",
                "password": f"Victim-pass-{tag}-9",
                "display_name": f"受害用户{tag}",
            },
        ),
    )
    assert claimed.status_code in (200, 201), claimed.text
    users = (await w.send(PLATFORM, Req("GET", "/v1/users", params={"org_id": school}))).json()["items"]
    v.ids["user"] = next(u["id"] for u in users if u.get("login") == f"victim-{tag}")
    v.markers.append(f"受害用户{tag}")
    return v


async def _own_learner(w: World, org: Any) -> str:
    body = {"name": "攻击者的学员", "id_number": id_number(), "learner_type": "student", "org_id": org["id"]}
    return (await w.admin_post("/v1/learners", body))["id"]


async def _attackers(w: World) -> list[Attacker]:
    school_b = await w.new_org("higher_vocational")
    await w.new_member(w.alliance_y, school_b)
    fellow = await w.new_org("enterprise")  # a fellow member of the victim's alliance
    await w.new_member(w.alliance_x, fellow)
    programme = await w.admin_post(
        "/v1/programmes",
        {**PROGRAMME, "name": "攻击者的课程", "provider_org_id": school_b["id"]},
    )
    pid = programme["id"]
    org_side = {"school": school_b, "enterprise": w.org_b, "alliance": w.alliance_y, "programme_id": pid}
    person = await w.new_person(school_b)
    own = {"learner": await _own_learner(w, school_b), "person": person["id"]}
    return [
        Attacker("org_admin of a school in Y", w.org_admin(school_b), **org_side, own=own),
        Attacker("org_staff of a school in Y", w.org_staff(school_b), **org_side),
        Attacker("org API key of a school in Y", w.org_key(school_b), **org_side),
        Attacker("org_admin of an enterprise in Y", w.org_admin(w.org_b), **{**org_side, "school": w.org_b}),
        Attacker(
            "org_admin of a fellow member of X",
            w.org_admin(fellow),
            school=fellow,
            enterprise=fellow,
            alliance=w.alliance_x,
        ),
        Attacker("alliance_admin of Y", w.alliance_admin(w.alliance_y), alliance=w.alliance_y),
        Attacker("alliance API key of Y", w.alliance_key(w.alliance_y), alliance=w.alliance_y),
        Attacker("alliance_admin of X (the victim's alliance)", w.alliance_admin(w.alliance_x), alliance=w.alliance_x),
    ]


async def _snapshot(w: World, victim: Victim) -> dict[str, Any]:
    ops = w.platform.operations()
    out = {}
    for kind, rid in victim.ids.items():
        base = COLLECTIONS[kind]
        item = next((p for (m, p) in ops if m == "GET" and p.startswith(base + "/{") and p.count("/") == 3), None)
        if item is None:
            continue
        r = await w.send(PLATFORM, Req("GET", PARAM.sub(rid, item)))
        assert r.status_code == 200, f"{kind}: {r.status_code} {r.text}"
        body = r.json()
        body.pop("last_used_at", None)
        out[kind] = body
    return out


# ---- the test ---------------------------------------------------------------------------------------------------
async def test_no_tenant_reaches_another_tenants_private_records(world: World) -> None:
    w = world
    victim = await _victim(w)
    victim.snapshot = await _snapshot(w, victim)
    attackers = await _attackers(w)
    ops = w.platform.operations()
    findings: list[str] = []
    controls: set[tuple[str, str]] = set()

    # 1. writes
    for (method, path), op in sorted(ops.items()):
        if method in ("GET", "HEAD") or not path.startswith("/v1/") or path.startswith(PUBLIC_FLOWS):
            continue
        if op.get("x-access", {}).get("public"):
            continue
        example = _schema_example(w.platform, op)
        params = PARAM.findall(path)
        for a in attackers:
            if params:
                for kind, rid in victim.ids.items():
                    body = _fill(example, a, victim)[0] if example is not None else None
                    req = Req(method, PARAM.sub(rid, path), json=body, headers={"If-Match": "*"})
                    r = await w.send(a.principal, req)
                    if _succeeded(r):
                        findings.append(f"{a.label}: {method} {path} on the victim's {kind} → {r.status_code}")
            elif example is not None:
                body, hit, number = _fill(example, a, victim)
                if not (hit or number):
                    continue
                if hit and a.own:  # the control: the same request naming the attacker's own records
                    a.own["learner"] = await _own_learner(w, a.school)  # a fresh one: no duplicate enrolment
                    control, _, _ = _fill(example, a, victim, own=True)
                    if _succeeded(await w.send(a.principal, Req(method, path, json=control))):
                        controls.add((method, path))
                r = await w.send(a.principal, Req(method, path, json=body))
                if hit and _succeeded(r):
                    findings.append(f"{a.label}: {method} {path} naming the victim's records → {r.status_code}")
                if leaked := _leaks(r, victim):
                    findings.append(f"{a.label}: {method} {path} with the victim's ID number shows {leaked}")

    # The refusals above are about the victim's records, not broken bodies: naming its own, the attacker succeeds.
    expected = {
        ("POST", p)
        for p in (
            "/v1/enrolments",
            "/v1/enrolments/batch",
            "/v1/internships",
            "/v1/internships/batch",
            "/v1/teacher-practices",
            "/v1/certificates",
            "/v1/certificates/records",
            "/v1/appraisals",
            "/v1/certificates/batch",
        )
    }
    assert expected <= controls, f"controls that did not go through: {sorted(expected - controls)}"

    # 2. reads (after the write attempts: none of them may have granted visibility)
    for (method, path), op in sorted(ops.items()):
        if method != "GET" or not path.startswith("/v1/"):
            continue
        params = PARAM.findall(path)
        queries = [q for q in op.get("parameters", []) if q.get("in") == "query"]
        if any(q.get("required") for q in queries) and not params:
            required = {
                q["name"]: q.get("example", (q.get("schema") or {}).get("example"))
                for q in queries
                if q.get("required")
            }
            if any(v is None for v in required.values()):
                continue
        else:
            required = {}
        for a in attackers:
            requests: list[Req] = []
            if params:
                requests = [Req("GET", PARAM.sub(rid, path), params=required or None) for rid in victim.ids.values()]
            else:
                id_filters = [
                    q["name"]
                    for q in queries
                    if (q.get("schema") or {}).get("format") == "uuid"
                    or any(s.get("format") == "uuid" for s in (q.get("schema") or {}).get("anyOf", []))
                ]
                base = dict(required)
                if any(q["name"] == "include_deleted" for q in queries):
                    base["include_deleted"] = "true"
                requests.append(Req("GET", path, params=base or None))
                for rid in victim.ids.values():
                    ps = {**base}
                    for name in id_filters:
                        ps[name] = victim.org["id"] if name.endswith("org_id") else rid
                    if id_filters:
                        requests.append(Req("GET", path, params=ps))
            for req in requests:
                r = await w.send(a.principal, req)
                leaked = _leaks(r, victim)
                if leaked:
                    findings.append(f"{a.label}: GET {req.path} {req.params or ''} → {r.status_code} shows {leaked}")

    # 3. nothing of the victim's changed
    after = await _snapshot(w, victim)
    for kind, before in victim.snapshot.items():
        if after.get(kind) != before:
            findings.append(
                f"the victim's {kind} changed: {json.dumps(before, ensure_ascii=False)[:200]} → "
                f"{json.dumps(after.get(kind), ensure_ascii=False)[:200]}"
            )

    assert not findings, f"{len(findings)} reach(es) into another tenant's records:\n  " + "\n  ".join(
        sorted(set(findings))[:80]
    )
