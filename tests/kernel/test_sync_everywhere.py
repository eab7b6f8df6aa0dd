"""Every paged `/v1` list syncs (docs/sync.md): read from the OpenAPI of the membership, training and matching
services, each `GET` whose 200 answer has `items` and that takes a `cursor` also takes `since_token`,
`updated_since` and `include_deleted` — so a new paged list cannot be added without them."""

from __future__ import annotations

from typing import Any

from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY

SYNC_PARAMETERS = {"since_token", "updated_since", "include_deleted"}
# Computed answers do not sync (docs/sync.md): a paged one is computed as of today — an item enters it when a date
# comes, with no write a token could see — so it is re-read whole (its pages carry a content ETag).
COMPUTED = {"/v1/certificates/due"}
# Lists that do not sync yet (docs/sync.md, "Not synced yet"): read whole, by their filters.
NOT_SYNCED_YET = {"/v1/designations", "/v1/people/{person_id}/outside-posts"}


def _documents() -> dict[str, dict[str, Any]]:
    from services.matching.main import create_app as matching
    from services.membership.main import create_app as membership
    from services.training.main import create_app as training

    return {
        "membership": membership(MembershipSettings(internal_token_key=TEST_KEY)).openapi(),
        "training": training(TrainingSettings(internal_token_key=TEST_KEY)).openapi(),
        "matching": matching(MatchingSettings(internal_token_key=TEST_KEY)).openapi(),
    }


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def paged_lists(doc: dict[str, Any]) -> dict[str, set[str]]:
    """`GET` path → its query parameters, for each `/v1` operation answering `items` and taking `cursor`."""
    found = {}
    for path, item in doc["paths"].items():
        op = item.get("get")
        if not path.startswith("/v1/") or op is None:
            continue
        content = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        answer = _resolve(doc, content.get("schema", {}))
        query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if "items" in answer.get("properties", {}) and "cursor" in query and path not in COMPUTED:
            found[path] = query
    return found


def test_every_paged_list_takes_the_sync_parameters():
    missing = {}
    seen = 0
    for service, doc in _documents().items():
        for path, query in paged_lists(doc).items():
            seen += 1
            if path in NOT_SYNCED_YET:
                assert not SYNC_PARAMETERS & query, f"{path} syncs now: take it off NOT_SYNCED_YET"
                continue
            if lack := SYNC_PARAMETERS - query:
                missing[f"{service} GET {path}"] = sorted(lack)
    assert seen >= 20  # the walk found the lists (both services)
    assert missing == {}


def test_the_walk_sees_the_lists_it_must_check():
    docs = _documents()
    membership, training = paged_lists(docs["membership"]), paged_lists(docs["training"])
    for path in (
        "/v1/alliances",
        "/v1/alliances/{alliance_id}/members",
        "/v1/alliances/{alliance_id}/experts",
        "/v1/committees",
        "/v1/organizations/{org_id}/status-changes",
        "/v1/reference/regions",
        "/v1/reference/majors",
        "/v1/reference/occupations",
        "/v1/reference/industries",
        "/v1/memberships",
        "/v1/organizations",
    ):
        assert path in membership, path
    assert "/v1/learners" in training
    assert {"/v1/demands", "/v1/offers"} <= set(paged_lists(docs["matching"]))
    # Unpaged sub-lists (no cursor) ride on their parent's sync and are not walked here.
    assert "/v1/organizations/{org_id}/majors" not in membership
