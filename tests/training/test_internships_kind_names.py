"""Internship rows brought from a spreadsheet name the kind in Chinese: 认识实习, 跟岗实习, 岗位实习 — and 顶岗实习, the
older name of 岗位实习 — are accepted as the kind and stored as its code."""

import pytest

from tests.training.practice_support import new_learner


@pytest.fixture(scope="module")
async def world(tp, database):
    school = await tp.new_org("higher_vocational")
    host = await tp.new_org("enterprise")
    learners = [await new_learner(tp, database, school) for _ in range(4)]
    return {"school": school, "host": host, "learners": learners}


def item(w, i, kind, **extra):
    body = {"learner_id": w["learners"][i], "school_org_id": w["school"], "host_org_id": w["host"], "kind": kind}
    return body | {"start_on": "2024-03-01", "end_on": "2024-08-31", **extra}


async def test_chinese_kind_names_in_batch_rows_become_the_kind(tp, world):
    """seed 003「实训操作与顶岗实习无缝衔接」: a 顶岗实习 row is a `post` internship (岗位实习), insurance rule
    and all."""
    insured = {"insured": True, "insurance_policy_no": "PICC2024370700123"}
    items = [
        item(world, 0, "顶岗实习", **insured),
        item(world, 1, " 跟岗实习 "),
        item(world, 2, "认识实习"),
        item(world, 3, "顶岗实习"),  # a 岗位实习 without liability insurance: refused as one
        item(world, 3, "实习"),  # not a kind
    ]
    r = await tp.as_org(world["school"]).post("/v1/internships/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 201, 201, 422, 422]
    kinds = []
    for x in results[:3]:
        got = await tp.as_org(world["school"]).get(f"/v1/internships/{x['id']}")
        kinds.append((got.json()["kind"], got.json()["kind_label"]))
    assert kinds == [("post", "岗位实习"), ("shadow", "跟岗实习"), ("cognitive", "认识实习")]
    assert {e["loc"][-1] for e in results[3]["problem"]["errors"]} == {"insured", "insurance_policy_no"}
    assert [e["loc"] for e in results[4]["problem"]["errors"]] == [["body", "items", 4, "kind"]]
