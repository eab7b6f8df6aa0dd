"""Authorisation scenarios of the practice records: internships (+ batch), teacher practices, part-time teaching,
training bases (the rules: services/training/parties.py).

The shared world: school_a (a school, member of X) and org_a (an enterprise, member of X) are the parties of
every record; org_b is the wrong tenant. Writers: org_admin/org_staff of either party with `training:write`.
Alliance admins, service principals and principals without `training:write` are the wrong role. The four kinds
share one shape of scenarios (create, patch, delete, and the private read), registered from a table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("training:read",)


async def _learner(w: World, learner_type: str = "student") -> str:
    """A learner record of school_a, registered through `POST /v1/learners`."""
    from tests.training.practice_support import id_number

    body = {"name": "矩阵学员", "id_number": id_number(), "learner_type": learner_type, "org_id": w.school_a["id"]}
    return (await w.admin_post("/v1/learners", body))["id"]


def _outsiders(w: World, party: Any) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.org_admin(party, scopes=READ_ONLY),
        ],
    }


Body = Callable[[World], Awaitable[dict[str, Any]]]
Who = tuple[str, str]  # (World principal factory, party attribute): ("org_staff", "school_a")


def _base_outsiders(w: World, party: Any) -> dict[str, Any]:
    # school_a is a party to the other records but not the base's owner: a wrong tenant here.
    out = _outsiders(w, w.org_a)
    out["wrong_tenant"] = [*out["wrong_tenant"], w.org_staff(w.school_a)]
    return out


def _record_scenarios(
    path: str,
    param: str,
    body: Body,
    *,
    create: Who,
    patch: tuple[str, str, dict[str, Any]],
    delete: Who,
    read: Who | None,
    outsiders: Callable[[World, Any], dict[str, Any]] = _outsiders,
) -> None:
    """Registers POST `path`, PATCH/DELETE `path/{param}` and (when `read`) the private GET of one kind."""
    item = f"{path}/{{{param}}}"

    def case(method: str, who: Who, expect: int = 200, json: Any = None) -> Callable[[World], Any]:
        async def scenario_(w: World) -> Case:
            if method == "POST":
                url, json_ = path, await body(w)
            else:  # a fresh record of its own
                url, json_ = f"{path}/{(await w.admin_post(path, await body(w)))['id']}", json
            factory, party = getattr(w, who[0]), getattr(w, who[1])
            if method == "GET":
                wrong_tenant = [w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)]
                return Case(Req("GET", url), right=factory(party), wrong_tenant=wrong_tenant)
            return Case(Req(method, url, json=json_), right=factory(party), expect=expect, **outsiders(w, party))

        return scenario_

    scenario("POST", path)(case("POST", create, 201))
    scenario("PATCH", item)(case("PATCH", (patch[0], patch[1]), 200, patch[2]))
    scenario("DELETE", item)(case("DELETE", delete, 204))
    if read is not None:
        private_read("GET", item)(case("GET", read))


async def _internship_body(w: World) -> dict[str, Any]:
    return {
        "learner_id": await w.memo("practice-student", lambda: _learner(w)),
        "school_org_id": w.school_a["id"],
        "host_org_id": w.org_a["id"],
        "kind": "shadow",
        "start_on": "2024-03-01",
        "end_on": "2024-06-30",
    }


async def _practice_body(w: World) -> dict[str, Any]:
    # the teacher: a membership person of school_a (only the school links its own person into a record)
    teacher = await w.memo("practice-teacher", lambda: w.new_person(w.school_a))
    return {
        "person_id": teacher["id"],
        "school_org_id": w.school_a["id"],
        "enterprise_org_id": w.org_a["id"],
        "start_on": "2024-07-01",
        "end_on": "2024-08-29",
    }


async def _teaching_body(w: World) -> dict[str, Any]:
    return {
        "staff_name": "李师傅",
        "enterprise_org_id": w.org_a["id"],
        "school_org_id": w.school_a["id"],
        "term": "2024-2025-1",
        "course": "数控车削加工",
        "class_hours": 64,
    }


async def _base_body(w: World) -> dict[str, Any]:
    return {"owner_org_id": w.org_a["id"], "name": "矩阵实训基地", "kind": "productive", "major_codes": ["460103"]}


# The host / enterprise is a party too: each kind has a writer of each side among its scenarios.
_record_scenarios(
    "/v1/internships",
    "internship_id",
    _internship_body,
    create=("org_staff", "school_a"),
    patch=("org_staff", "org_a", {"position": "装配工"}),
    delete=("org_admin", "school_a"),
    read=("org_staff", "org_a"),
)
_record_scenarios(
    "/v1/teacher-practices",
    "practice_id",
    _practice_body,
    create=("org_staff", "school_a"),
    patch=("org_staff", "school_a", {"post": "工艺员"}),
    delete=("org_key", "org_a"),
    read=("org_staff", "school_a"),
)
_record_scenarios(
    "/v1/part-time-teaching",
    "record_id",
    _teaching_body,
    create=("org_staff", "org_a"),
    patch=("org_admin", "school_a", {"class_hours": 48}),
    delete=("org_staff", "org_a"),
    read=("org_staff", "org_a"),
)
_record_scenarios(
    "/v1/training-bases",
    "base_id",
    _base_body,
    create=("org_staff", "org_a"),
    patch=("org_key", "org_a", {"shared": True}),
    delete=("org_admin", "org_a"),
    read=None,  # a directory: open to every reader
    outsiders=_base_outsiders,
)


@scenario("POST", "/v1/internships/batch")
async def create_internship_batch(w: World) -> Case:
    return Case(
        Req("POST", "/v1/internships/batch", json={"items": [await _internship_body(w)]}),
        right=w.org_key(w.school_a),
        expect=200,
        **_outsiders(w, w.school_a),
    )
