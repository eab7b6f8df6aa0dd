"""A small, believable demo (Shandong vocational-education units and a chemical-industry group
shaped like seed 001's 潍坊市化工职业教育集团, with seven years of history), loaded through the API.

Idempotent: organizations are sent with their own `Idempotency-Key` and an existing one (409)
counts as already loaded; the alliance's history and its members' training records (2023–2024: bases,
programmes, learners with synthetic ID numbers, enrolments, internships, teacher practice, part-time teaching)
are entered only when the alliance is new."""

from __future__ import annotations

import hashlib
import time

import httpx

# (name, org_type, region_code, industry_codes)
ORGANIZATIONS: list[tuple[str, str, str, list[str]]] = [
    ("山东省人力资源和社会保障厅", "government", "370000", []),
    ("潍坊市教育局", "government", "370700", []),
    ("淄博市人力资源和社会保障局", "government", "370300", []),
    ("山东工业职业学院", "higher_vocational", "370303", []),
    ("淄博职业学院", "higher_vocational", "370303", []),
    ("山东化工职业学院", "higher_vocational", "370702", []),
    ("潍坊职业学院", "higher_vocational", "370705", []),
    ("济南职业学院", "higher_vocational", "370112", []),
    ("山东劳动职业技术学院", "higher_vocational", "370112", []),
    ("日照职业技术学院", "higher_vocational", "371102", []),
    ("滨州职业学院", "higher_vocational", "371602", []),
    ("东营职业学院", "higher_vocational", "370502", []),
    ("河南应用化工职业技术学院", "higher_vocational", "410100", []),
    ("山东理工大学", "undergraduate", "370303", []),
    ("潍坊学院", "undergraduate", "370702", []),
    ("淄博市工业学校", "secondary_vocational", "370303", []),
    ("山东省潍坊商业学校", "secondary_vocational", "370702", []),
    ("寿光市职业教育中心学校", "secondary_vocational", "370783", []),
    ("济南市技师学院", "technician_college", "370102", []),
    ("山东工程技师学院", "technician_college", "370305", []),
    ("山东化工技师学院", "technician_college", "370322", []),
    ("山东钢铁集团有限公司", "enterprise", "370102", ["3120"]),
    ("齐鲁石化公司", "enterprise", "370305", ["2511"]),
    ("山东京博控股集团有限公司", "enterprise", "371621", ["2511"]),
    ("青岛明月海藻集团有限公司", "enterprise", "370211", ["2614"]),
    ("山东豪迈机械科技股份有限公司", "enterprise", "370786", ["3521"]),
    ("山东联盟化工股份有限公司", "enterprise", "370783", ["2621"]),
    ("潍柴动力股份有限公司", "enterprise", "370705", ["3412"]),
    ("鲁泰纺织股份有限公司", "enterprise", "370322", ["1713"]),
    ("浪潮集团有限公司", "enterprise", "370112", ["6510"]),
    ("山东省化工行业协会", "industry_association", "370102", []),
    ("潍坊市化工行业协会", "industry_association", "370702", []),
    ("山东省化工研究院", "research_institute", "370102", []),
    ("淄博市鲁中职业技能培训学校", "training_company", "370303", []),
    ("山东星科智能科技股份有限公司", "training_company", "370112", ["7519"]),
]

ALLIANCE = {
    "name": "潍坊市化工职业教育集团",
    "kind": "vocational_education_group",
    "level": "municipal",
    "founded_on": "2012-05-18",
    "region_code": "370700",
    "guiding_body": "潍坊市教育局",
    "industry_focus": ["化工", "新材料", "海洋化工"],
    "membership_rules": (
        "承认集团章程、自愿申请，经理事会审议通过即成为成员单位；可自愿退出，严重违反章程者经理事会决议除名。"
    ),
    "recognitions": [
        {"title": "全国示范性职业教育集团（联盟）培育单位", "level": "national", "year": 2021, "issuer": "教育部"}
    ],
}

# (organization, role on application, applied_on, [(to, effective_on, role or None), ...])
HISTORY: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = [
    ("山东化工职业学院", "chair", "2019-01-05", [("active", "2019-01-20", None)]),
    ("潍坊市教育局", "member", "2019-01-05", [("active", "2019-01-20", None)]),
    ("潍坊职业学院", "vice_chair", "2019-01-05", [("active", "2019-01-20", None)]),
    ("山东京博控股集团有限公司", "vice_chair", "2019-01-05", [("active", "2019-01-20", None)]),
    ("青岛明月海藻集团有限公司", "standing_director", "2019-02-11", [("active", "2019-03-01", None)]),
    ("山东化工技师学院", "director", "2019-02-11", [("active", "2019-03-01", None)]),
    ("山东省潍坊商业学校", "director", "2019-02-11", [("active", "2019-03-01", None)]),
    ("潍坊学院", "director", "2019-04-02", [("active", "2019-05-10", None)]),
    ("山东联盟化工股份有限公司", "director", "2019-04-02", [("active", "2019-05-10", None)]),
    (
        "齐鲁石化公司",
        "member",
        "2020-03-16",
        [("active", "2020-04-01", None), ("suspended", "2021-07-01", None), ("active", "2022-01-15", None)],
    ),
    ("山东豪迈机械科技股份有限公司", "member", "2020-03-16", [("active", "2020-04-01", None)]),
    ("潍坊市化工行业协会", "member", "2020-06-08", [("active", "2020-07-01", None)]),
    ("山东省化工研究院", "member", "2020-06-08", [("active", "2020-07-01", None)]),
    ("寿光市职业教育中心学校", "member", "2021-02-22", [("active", "2021-03-10", None)]),
    ("河南应用化工职业技术学院", "member", "2021-09-01", [("active", "2021-09-20", None)]),
    (
        "潍柴动力股份有限公司",
        "member",
        "2021-09-01",
        [("active", "2021-09-20", None), ("withdrawn", "2023-08-31", None)],
    ),
    ("山东星科智能科技股份有限公司", "member", "2022-03-01", [("rejected", "2022-03-20", None)]),
    (
        "淄博市鲁中职业技能培训学校",
        "member",
        "2022-05-05",
        [("active", "2022-06-01", None), ("expelled", "2024-04-30", None)],
    ),
    ("山东钢铁集团有限公司", "member", "2023-03-01", [("active", "2023-03-20", None)]),
    ("山东省化工行业协会", "member", "2024-09-02", [("active", "2024-09-20", None)]),
    ("鲁泰纺织股份有限公司", "member", "2025-03-03", [("active", "2025-03-25", None)]),
]

# Bodies of the group, and who sits on them (organization, seat role, from).
COMMITTEES: list[tuple[str, str, str | None, str, list[tuple[str, str, str]]]] = [
    ("理事会", "council", None, "2019-01-20", []),
    ("秘书处", "secretariat", None, "2019-01-20", [("山东化工职业学院", "director_unit", "2019-01-20")]),
    (
        "专业建设指导委员会",
        "working_committee",
        None,
        "2020-09-01",
        [
            ("潍坊职业学院", "director_unit", "2020-09-01"),
            ("山东化工技师学院", "deputy_director_unit", "2020-09-01"),
            ("山东省潍坊商业学校", "member_unit", "2020-09-01"),
            ("潍坊学院", "member_unit", "2020-09-01"),
        ],
    ),
    (
        "就业创业指导委员会",
        "working_committee",
        None,
        "2020-09-01",
        [
            ("山东京博控股集团有限公司", "director_unit", "2020-09-01"),
            ("山东豪迈机械科技股份有限公司", "member_unit", "2020-09-01"),
        ],
    ),
    (
        "海洋化工专业指导委员会",
        "specialized_committee",
        "海洋化工",
        "2021-10-15",
        [
            ("青岛明月海藻集团有限公司", "director_unit", "2021-10-15"),
            ("山东化工职业学院", "deputy_director_unit", "2021-10-15"),
            ("河南应用化工职业技术学院", "member_unit", "2021-10-15"),
            ("山东联盟化工股份有限公司", "industry_support_unit", "2021-10-15"),
        ],
    ),
]

# The 2024 change of term: the chair steps down to vice chair and a vice chair takes over, as one act.
HANDOVER = ("2024-01-08", [("山东化工职业学院", "vice_chair"), ("潍坊职业学院", "chair")])


def _key(*parts: str) -> str:
    return "demo-" + hashlib.sha1("/".join(parts).encode()).hexdigest()[:20]


def _id_of(r: httpx.Response) -> str:
    if r.status_code in (200, 201):
        return r.json()["id"]
    if r.status_code == 409 and r.json().get("existing_id"):
        return r.json()["existing_id"]
    r.raise_for_status()
    raise RuntimeError(f"unexpected answer {r.status_code}")


def _post(client: httpx.Client, path: str, body: dict, key: str | None = None) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    r = client.post(path, json=body, headers=headers)
    r.raise_for_status()
    return r.json()


def _batch(client: httpx.Client, path: str, items: list[dict], key: str) -> list[str]:
    """An all-or-nothing batch (any failed item → 422, raised); the ids of the items, in order."""
    result = _post(client, f"{path}?atomic=true", {"items": items}, key)
    return [item["id"] for item in result["results"]]


class _PatientTransport(httpx.HTTPTransport):
    """Waits out the gateway's rate limit: the demo sends a few hundred requests, more than one user's burst. A 429
    is answered by the gateway before anything is forwarded, so sending the request again is safe."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(60):
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.close()
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return response


def sign_in(client: httpx.Client, credentials: tuple[str, str]) -> None:
    """Log in with the OAuth2 password grant and send the access token from now on."""
    r = client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": credentials[0], "password": credentials[1]}
    )
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


def load_demo(gateway_url: str, credentials: tuple[str, str]) -> str:
    """Load the demo through the API as a platform admin (`credentials` = login, password)."""
    created = 0
    with httpx.Client(base_url=gateway_url, timeout=15, transport=_PatientTransport()) as client:
        sign_in(client, credentials)
        ids: dict[str, str] = {}
        for name, org_type, region, industries in ORGANIZATIONS:
            r = client.post(
                "/v1/organizations",
                headers={"Idempotency-Key": _key("org", name)},
                json={"name": name, "org_type": org_type, "region_code": region, "industry_codes": industries},
            )
            if r.status_code == 201 and r.headers.get("idempotent-replayed") != "true":
                created += 1
            ids[name] = _id_of(r)
        r = client.post("/v1/alliances", json={**ALLIANCE, "lead_org_ids": [ids["山东化工职业学院"]]})
        if r.status_code == 409:
            return f"demo data: {created} organizations created; the alliance was already there"
        alliance = _id_of(r)
        memberships: dict[str, str] = {}
        for name, role, applied_on, _ in HISTORY:
            r = client.post(
                "/v1/memberships",
                json={
                    "org_id": ids[name],
                    "alliance_id": alliance,
                    "role": role,
                    "applied_on": applied_on,
                    "reason": "入会申请",
                },
            )
            memberships[name] = _id_of(r)
        timeline = sorted((on, name, to, role) for name, _, _, steps in HISTORY for to, on, role in steps)
        handover_on, handover = HANDOVER
        handover_done = False

        def hand_over() -> None:
            r = client.post(
                f"/v1/alliances/{alliance}/role-changes",
                json={
                    "effective_on": handover_on,
                    "reason": "理事会换届",
                    "changes": [{"membership_id": memberships[n], "role": role} for n, role in handover],
                },
            )
            r.raise_for_status()

        for on, name, to, role in timeline:
            if on > handover_on and not handover_done:
                hand_over()
                handover_done = True
            body = {"to": to, "effective_on": on, "reason": "理事会审议"}
            if role:
                body["role"] = role
            client.post(f"/v1/memberships/{memberships[name]}/transitions", json=body).raise_for_status()
        if not handover_done:
            hand_over()
        for name, body_type, domain, established_on, seats in COMMITTEES:
            r = client.post(
                "/v1/committees",
                json={
                    "alliance_id": alliance,
                    "name": name,
                    "body_type": body_type,
                    "domain": domain,
                    "established_on": established_on,
                },
            )
            committee = _id_of(r)
            for org, seat_role, start_on in seats:
                client.post(
                    f"/v1/committees/{committee}/seats",
                    json={"org_id": ids[org], "seat_role": seat_role, "start_on": start_on},
                ).raise_for_status()
        from chanjiao.demo_training import load_training  # imports this module's helpers

        training = load_training(client, ids, alliance)
    return (
        f"demo data: {created} organizations created; alliance 潍坊市化工职业教育集团 with "
        f"{len(memberships)} memberships, their history since 2019 and {len(COMMITTEES)} committees; "
        f"training records: {training}"
    )
