"""Membership service — wiring only."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from chanjiao.app import create_service_app
from services.membership.activities.router import router as activities_router
from services.membership.activities.routes_import import router as activity_imports_router
from services.membership.alliances.experts import router as experts_router
from services.membership.alliances.router import router as alliances_router
from services.membership.alliances.routes_experts import router as outside_experts_router
from services.membership.alliances.routes_import import router as member_imports_router
from services.membership.alliances.routes_relations import router as alliance_relations_router
from services.membership.appointments.router import router as appointments_router
from services.membership.committees.router import router as committees_router
from services.membership.committees.routes_applications import router as committee_applications_router
from services.membership.committees.routes_composition import router as committee_composition_router
from services.membership.db import kernel
from services.membership.designations.router import router as designations_router
from services.membership.designations.routes_import import router as designation_imports_router
from services.membership.designations.routes_stats import router as designation_stats_router
from services.membership.duties.router import router as duties_router
from services.membership.enterprise_facts.router import router as enterprise_facts_router
from services.membership.enterprise_facts.routes_import import router as enterprise_imports_router
from services.membership.identity.api_keys import router as api_keys_routes
from services.membership.identity.bootstrap import identity_startup
from services.membership.identity.grants import router as grants_routes
from services.membership.identity.invitations import router as invitations_routes
from services.membership.identity.sessions import router as sessions_routes
from services.membership.identity.users import router as users_routes
from services.membership.meetings.router import router as meetings_router
from services.membership.member_facts.router import router as member_facts_router
from services.membership.memberships.router import router as memberships_router
from services.membership.organizations.router import router as organizations_router
from services.membership.people.router import router as people_router
from services.membership.person_posts.router import router as person_posts_router
from services.membership.reference.router import router as reference_router
from services.membership.school_facts.router import router as school_facts_router
from services.membership.school_facts.routes_import import router as school_imports_router
from services.membership.settings import MembershipSettings

DESCRIPTION = """成员服务：联盟的成员单位、成员资格、委员会与人员。
Membership: the roll of organizations (schools, enterprises …), alliances, memberships and people,
plus the shared reference tables (regions, majors, occupations, industries), and identity: users,
logins, sessions and API keys."""


# In any order: an `{…_id}` path parameter matches only a UUID-shaped segment (chanjiao/routes.py), so a literal path
# beside an id route is never taken for an id (tests/architecture/test_route_order.py).
ROUTERS: tuple[APIRouter, ...] = (
    organizations_router,
    reference_router,
    alliances_router,
    experts_router,
    outside_experts_router,
    member_imports_router,
    alliance_relations_router,
    memberships_router,
    committees_router,
    committee_composition_router,
    committee_applications_router,
    people_router,
    appointments_router,
    designations_router,
    designation_stats_router,
    designation_imports_router,
    person_posts_router,
    meetings_router,
    activities_router,
    activity_imports_router,
    duties_router,
    # yearly facts of members (school_facts/, enterprise_facts/, member_facts/)
    school_facts_router,
    school_imports_router,
    enterprise_facts_router,
    enterprise_imports_router,
    member_facts_router,
    # identity (services/membership/identity/): /v1/auth, /v1/users, /v1/api-keys
    sessions_routes.router,
    api_keys_routes.auth_routes,
    invitations_routes.auth_routes,
    users_routes.auth_routes,
    users_routes.me_routes,
    invitations_routes.router,
    users_routes.router,
    grants_routes.router,
    api_keys_routes.router,
)


def create_app(settings: MembershipSettings | None = None, *, routers: Sequence[APIRouter] = ROUTERS) -> FastAPI:
    return create_service_app(
        settings or MembershipSettings(),
        title="Chanjiao membership",
        description=DESCRIPTION,
        kernel=kernel,
        routers=routers,
        openapi_tags=[
            {"name": "organizations", "description": "单位 — schools, enterprises, associations and other units"},
            {"name": "reference", "description": "参考代码表 — regions, vocational majors, occupations, industries"},
            {"name": "alliances", "description": "联盟 — the public directory, structure and changes as of any date"},
            {"name": "memberships", "description": "成员资格 — applications, approvals, roles, exits (as events)"},
            {"name": "committees", "description": "机构与委员会 — councils, secretariat, 专指委; seats and positions"},
            {"name": "people", "description": "人员 — teachers, experts, skill masters and enterprise mentors"},
            {"name": "appointments", "description": "双栖双聘 — a person appointed at a school or an enterprise"},
            {"name": "designations", "description": "认定与称号 — designations, titles and their stages (申报 … 认定)"},
            {"name": "meetings", "description": "会议 — meetings of an alliance's bodies: roll, quorum, resolutions"},
            {"name": "activities", "description": "活动 — conferences, lectures, visits, trainings, competitions"},
            {"name": "duties", "description": "职责 — duties with deliverables, assigned by role and accepted"},
            {"name": "yearly-facts", "description": "成员年度数据 — schools' and enterprises' facts by year, summed"},
            {"name": "auth", "description": "登录与令牌 — login, refresh, logout, public keys, invitations, resets"},
            {"name": "users", "description": "用户 — accounts, roles, invitations, password resets, alliance grants"},
            {"name": "api-keys", "description": "API 密钥 — keys of organizations and alliances for their systems"},
        ],
        on_startup=[identity_startup],
    )
