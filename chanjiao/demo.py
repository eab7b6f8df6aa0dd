"""A small, believable demo roll (Shandong vocational-education units), loaded through the API.

Idempotent: each organization is sent with its own `Idempotency-Key`, and an existing one (409)
counts as already loaded, so `chanjiao up --demo` can run any number of times."""

from __future__ import annotations

import hashlib

import httpx

# (name, org_type, region_code, industry_codes)
ORGANIZATIONS: list[tuple[str, str, str, list[str]]] = [
    ("山东省人力资源和社会保障厅", "government", "370000", []),
    ("淄博市人力资源和社会保障局", "government", "370300", []),
    ("山东工业职业学院", "higher_vocational", "370303", []),
    ("淄博职业学院", "higher_vocational", "370303", []),
    ("山东化工职业学院", "higher_vocational", "370702", []),
    ("济南职业学院", "higher_vocational", "370112", []),
    ("山东劳动职业技术学院", "higher_vocational", "370112", []),
    ("日照职业技术学院", "higher_vocational", "371102", []),
    ("滨州职业学院", "higher_vocational", "371602", []),
    ("东营职业学院", "higher_vocational", "370502", []),
    ("山东理工大学", "undergraduate", "370303", []),
    ("齐鲁工业大学", "undergraduate", "370112", []),
    ("淄博市工业学校", "secondary_vocational", "370303", []),
    ("山东省潍坊商业学校", "secondary_vocational", "370702", []),
    ("济南市技师学院", "technician_college", "370102", []),
    ("山东工程技师学院", "technician_college", "370305", []),
    ("淄博市技师学院", "technician_college", "370302", []),
    ("山东化工技师学院", "technician_college", "370322", []),
    ("山东钢铁集团有限公司", "enterprise", "370102", ["3120"]),
    ("济南钢铁集团有限公司", "enterprise", "370112", ["3120"]),
    ("莱芜钢铁集团有限公司", "enterprise", "371202", ["3120"]),
    ("齐鲁石化公司", "enterprise", "370305", ["2511"]),
    ("鲁泰纺织股份有限公司", "enterprise", "370322", ["1713"]),
    ("山东新华医疗器械股份有限公司", "enterprise", "370303", ["3581"]),
    ("潍柴动力股份有限公司", "enterprise", "370705", ["3412"]),
    ("浪潮集团有限公司", "enterprise", "370112", ["6510"]),
    ("海尔集团公司", "enterprise", "370214", ["3851"]),
    ("山东省化工行业协会", "industry_association", "370102", []),
    ("淄博市机械工业协会", "industry_association", "370303", []),
    ("山东省化工研究院", "research_institute", "370102", []),
    ("淄博市鲁中职业技能培训学校", "training_company", "370303", []),
    ("山东星科智能科技股份有限公司", "training_company", "370112", ["7519"]),
]


def load_demo(gateway_url: str) -> str:
    created = existing = 0
    with httpx.Client(base_url=gateway_url, timeout=10) as client:
        for name, org_type, region, industries in ORGANIZATIONS:
            r = client.post(
                "/v1/organizations",
                json={"name": name, "org_type": org_type, "region_code": region, "industry_codes": industries},
                headers={"Idempotency-Key": "demo-org-" + hashlib.sha1(name.encode()).hexdigest()[:16]},
            )
            if r.status_code == 201 and r.headers.get("idempotent-replayed") != "true":
                created += 1
            elif r.status_code in (201, 409):
                existing += 1
            else:
                r.raise_for_status()
    return f"demo data: {created} organizations created, {existing} already there"
