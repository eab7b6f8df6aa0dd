"""Operation ids are pinned (chanjiao/operation_ids.json, `METHOD /path` → id): the published document carries
exactly those ids, renaming a route's function changes none of them, a route without a pinned id fails the build
of its app, and no id published so far changes or disappears (generated clients name their methods after them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter

from chanjiao import app as kernel_app
from chanjiao.app import OPERATION_IDS, UnpinnedOperation, create_service_app, operation_key
from chanjiao.auth import allow
from chanjiao.openapi import operations
from services.matching.db import kernel
from services.matching.settings import MatchingSettings
from tests.conftest import TEST_KEY

# Every operation id published so far. A route may be added (with a new line in chanjiao/operation_ids.json); an
# id listed here is part of the API: changing or dropping it breaks every generated client.
PUBLISHED = {
    "GET /health": "operations_health",
    "GET /health/ready": "operations_ready",
    "GET /metrics": "operations_metrics_endpoint",
    "GET /v1/alliances": "alliances_list_alliances",
    "POST /v1/alliances": "alliances_create_alliance",
    "DELETE /v1/alliances/{alliance_id}": "alliances_delete_alliance",
    "GET /v1/alliances/{alliance_id}": "alliances_get_alliance",
    "PATCH /v1/alliances/{alliance_id}": "alliances_update_alliance",
    "GET /v1/alliances/{alliance_id}/changes": "alliances_get_changes",
    "GET /v1/alliances/{alliance_id}/experts": "alliances_list_experts",
    "GET /v1/alliances/{alliance_id}/member-import-template.xlsx": "alliances_member_import_template",
    "POST /v1/alliances/{alliance_id}/member-imports": "alliances_import_members",
    "GET /v1/alliances/{alliance_id}/members": "alliances_list_members",
    "POST /v1/alliances/{alliance_id}/role-changes": "alliances_change_roles",
    "GET /v1/alliances/{alliance_id}/structure": "alliances_get_structure",
    "GET /v1/api-keys": "api_keys_list_api_keys",
    "POST /v1/api-keys": "api_keys_create_api_key",
    "DELETE /v1/api-keys/{key_id}": "api_keys_delete_api_key",
    "GET /v1/api-keys/{key_id}": "api_keys_get_api_key",
    "POST /v1/api-keys/{key_id}/revoke": "api_keys_revoke_api_key",
    "GET /v1/appointments": "appointments_list_appointments",
    "POST /v1/appointments": "appointments_create_appointment",
    "DELETE /v1/appointments/{appointment_id}": "appointments_delete_appointment",
    "GET /v1/appointments/{appointment_id}": "appointments_get_appointment",
    "PATCH /v1/appointments/{appointment_id}": "appointments_update_appointment",
    "POST /v1/auth/claim": "auth_claim",
    "POST /v1/auth/introspect": "auth_introspect",
    "GET /v1/auth/jwks": "auth_jwks",
    "POST /v1/auth/logout": "auth_logout",
    "POST /v1/auth/password-reset": "auth_password_reset",
    "POST /v1/auth/refresh": "auth_refresh",
    "POST /v1/auth/setup": "auth_setup",
    "POST /v1/auth/token": "auth_token",
    "GET /v1/committees": "committees_list_committees",
    "POST /v1/committees": "committees_create_committee",
    "GET /v1/committees/{committee_id}": "committees_get_committee",
    "PATCH /v1/committees/{committee_id}": "committees_update_committee",
    "GET /v1/committees/{committee_id}/positions": "committees_list_positions",
    "POST /v1/committees/{committee_id}/positions": "committees_add_position",
    "GET /v1/committees/{committee_id}/seats": "committees_list_seats",
    "POST /v1/committees/{committee_id}/seats": "committees_add_seat",
    "POST /v1/committees/{committee_id}/seats/{seat_id}/end": "committees_end_seat",
    "GET /v1/enrolments": "enrolments_list_enrolments",
    "POST /v1/enrolments": "enrolments_create_enrolment",
    "POST /v1/enrolments/batch": "enrolments_create_batch",
    "GET /v1/enrolments/import-template.xlsx": "enrolments_import_template",
    "POST /v1/enrolments/imports": "enrolments_import_enrolments",
    "GET /v1/enrolments/{enrolment_id}": "enrolments_get_enrolment",
    "PATCH /v1/enrolments/{enrolment_id}": "enrolments_update_enrolment",
    "POST /v1/enrolments/{enrolment_id}/transitions": "enrolments_transition_enrolment",
    "GET /v1/internships": "internships_list_internships",
    "POST /v1/internships": "internships_create_internship",
    "POST /v1/internships/batch": "internships_create_internship_batch",
    "DELETE /v1/internships/{internship_id}": "internships_delete_internship",
    "GET /v1/internships/{internship_id}": "internships_get_internship",
    "PATCH /v1/internships/{internship_id}": "internships_update_internship",
    "GET /v1/learners": "learners_list_learners",
    "POST /v1/learners": "learners_create_learner",
    "POST /v1/learners/batch": "learners_create_batch",
    "GET /v1/learners/import-template.xlsx": "learners_import_template",
    "POST /v1/learners/imports": "learners_import_learners",
    "POST /v1/learners/search": "learners_search_learner",
    "GET /v1/learners/{learner_id}": "learners_get_learner",
    "PATCH /v1/learners/{learner_id}": "learners_update_learner",
    "POST /v1/learners/{learner_id}/erasure": "learners_erase_learner",
    "POST /v1/learners/{learner_id}/reveal": "learners_reveal_learner",
    "GET /v1/memberships": "memberships_list_memberships",
    "POST /v1/memberships": "memberships_create_membership",
    "GET /v1/memberships/{membership_id}": "memberships_get_membership",
    "POST /v1/memberships/{membership_id}/transitions": "memberships_transition_membership",
    "GET /v1/organizations": "organizations_list_organizations",
    "POST /v1/organizations": "organizations_create_organization",
    "POST /v1/organizations/batch": "organizations_create_batch",
    "GET /v1/organizations/import-template.xlsx": "organizations_import_template",
    "POST /v1/organizations/imports": "organizations_import_organizations",
    "DELETE /v1/organizations/{org_id}": "organizations_delete_organization",
    "GET /v1/organizations/{org_id}": "organizations_get_organization",
    "PATCH /v1/organizations/{org_id}": "organizations_update_organization",
    "GET /v1/organizations/{org_id}/majors": "organizations_list_majors",
    "PUT /v1/organizations/{org_id}/majors": "organizations_replace_majors",
    "GET /v1/organizations/{org_id}/school-stats": "organizations_list_school_stats",
    "GET /v1/organizations/{org_id}/school-stats/{year}": "organizations_get_school_stats",
    "PUT /v1/organizations/{org_id}/school-stats/{year}": "organizations_put_school_stats",
    "GET /v1/organizations/{org_id}/status-changes": "organizations_list_status_changes",
    "POST /v1/organizations/{org_id}/status-changes": "organizations_create_status_change",
    "GET /v1/part-time-teaching": "part_time_teaching_list_part_time_teaching",
    "POST /v1/part-time-teaching": "part_time_teaching_create_part_time_teaching",
    "DELETE /v1/part-time-teaching/{record_id}": "part_time_teaching_delete_part_time_teaching",
    "GET /v1/part-time-teaching/{record_id}": "part_time_teaching_get_part_time_teaching",
    "PATCH /v1/part-time-teaching/{record_id}": "part_time_teaching_update_part_time_teaching",
    "GET /v1/people": "people_list_people",
    "POST /v1/people": "people_create_person",
    "DELETE /v1/people/{person_id}": "people_delete_person",
    "GET /v1/people/{person_id}": "people_get_person",
    "PATCH /v1/people/{person_id}": "people_update_person",
    "GET /v1/programmes": "programmes_list_programmes",
    "POST /v1/programmes": "programmes_create_programme",
    "DELETE /v1/programmes/{programme_id}": "programmes_delete_programme",
    "GET /v1/programmes/{programme_id}": "programmes_get_programme",
    "PATCH /v1/programmes/{programme_id}": "programmes_update_programme",
    "GET /v1/reference/industries": "reference_list_industries",
    "POST /v1/reference/industries": "reference_add_industry",
    "GET /v1/reference/industries/{code}": "reference_get_industry",
    "GET /v1/reference/majors": "reference_list_majors",
    "POST /v1/reference/majors": "reference_add_major",
    "GET /v1/reference/majors/{code}": "reference_get_major",
    "GET /v1/reference/occupations": "reference_list_occupations",
    "POST /v1/reference/occupations": "reference_add_occupation",
    "GET /v1/reference/occupations/{code}": "reference_get_occupation",
    "GET /v1/reference/regions": "reference_list_regions",
    "POST /v1/reference/regions": "reference_add_region",
    "GET /v1/reference/regions/{code}": "reference_get_region",
    "GET /v1/teacher-practices": "teacher_practices_list_teacher_practices",
    "POST /v1/teacher-practices": "teacher_practices_create_teacher_practice",
    "DELETE /v1/teacher-practices/{practice_id}": "teacher_practices_delete_teacher_practice",
    "GET /v1/teacher-practices/{practice_id}": "teacher_practices_get_teacher_practice",
    "PATCH /v1/teacher-practices/{practice_id}": "teacher_practices_update_teacher_practice",
    "GET /v1/training-bases": "training_bases_list_training_bases",
    "POST /v1/training-bases": "training_bases_create_training_base",
    "DELETE /v1/training-bases/{base_id}": "training_bases_delete_training_base",
    "GET /v1/training-bases/{base_id}": "training_bases_get_training_base",
    "PATCH /v1/training-bases/{base_id}": "training_bases_update_training_base",
    "GET /v1/training-bases/{base_id}/utilisation": "training_bases_training_base_utilisation",
    "GET /v1/training-stats": "training_stats_get_training_stats",
    "GET /v1/users": "users_list_users",
    "POST /v1/users/invitations": "users_create_invitation",
    "GET /v1/users/me": "users_get_me",
    "POST /v1/users/me/password": "users_change_password",
    "GET /v1/users/{user_id}": "users_get_user",
    "POST /v1/users/{user_id}/alliance-grants": "users_add_alliance_grant",
    "DELETE /v1/users/{user_id}/alliance-grants/{alliance_id}": "users_remove_alliance_grant",
    "POST /v1/users/{user_id}/disable": "users_disable_user",
    "POST /v1/users/{user_id}/enable": "users_enable_user",
    "POST /v1/users/{user_id}/password-reset": "users_create_password_reset",
}


@pytest.fixture(scope="module")
async def doc(platform) -> dict[str, Any]:
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_no_published_id_changes_or_disappears():
    assert {k: OPERATION_IDS.get(k) for k in PUBLISHED} == PUBLISHED


def test_ids_are_unique_and_snake_case():
    ids = list(OPERATION_IDS.values())
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9_]*", i)] == []


async def test_the_document_carries_exactly_the_pinned_ids(doc):
    published = {operation_key(m, p): op.get("operationId") for p, m, op in operations(doc)}
    assert {k: OPERATION_IDS.get(k) for k in published} == published
    # each service's own /metrics is not in the merged document; nothing else is pinned without a route
    assert set(OPERATION_IDS) - set(published) == {"GET /metrics"}


def _app(name: str) -> Any:
    router = APIRouter(prefix="/v1/probes", tags=["probes"])

    async def endpoint() -> dict[str, str]:
        return {}

    endpoint.__name__ = name
    router.add_api_route("", endpoint, methods=["GET"], dependencies=[allow(public=True)], summary="探针 Probe")
    settings = MatchingSettings(internal_token_key=TEST_KEY, environment="development")
    return create_service_app(settings, title="probe", description="probe", kernel=kernel, routers=[router])


def test_renaming_a_route_function_keeps_its_operation_id(monkeypatch):
    monkeypatch.setitem(OPERATION_IDS, "GET /v1/probes", "probes_list")
    for name in ("list_probes", "get_all_probes_renamed"):
        doc = _app(name).openapi()
        assert doc["paths"]["/v1/probes"]["get"]["operationId"] == "probes_list"


def test_a_route_without_a_pinned_id_fails_the_build():
    assert "GET /v1/probes" not in kernel_app.OPERATION_IDS
    with pytest.raises(UnpinnedOperation) as e:
        _app("list_probes")
    assert '"GET /v1/probes": "probes_list_probes"' in str(e.value)
