"""Membership service — wiring only."""

from fastapi import FastAPI

from chanjiao.app import create_service_app
from chanjiao.settings import MembershipSettings
from services.membership.db import kernel
from services.membership.organizations.router import router as organizations_router
from services.membership.reference.router import router as reference_router

DESCRIPTION = """成员服务：联盟的成员单位、成员资格、委员会与人员。
Membership: the roll of organizations (schools, enterprises …), alliances, memberships and people,
plus the shared reference tables (regions, majors, occupations, industries)."""


def create_app(settings: MembershipSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or MembershipSettings(),
        title="Chanjiao membership",
        description=DESCRIPTION,
        kernel=kernel,
        routers=[organizations_router, reference_router],
        openapi_tags=[
            {"name": "organizations", "description": "单位 — schools, enterprises, associations and other units"},
            {"name": "reference", "description": "参考代码表 — regions, vocational majors, occupations, industries"},
        ],
    )
