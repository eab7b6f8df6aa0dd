"""The membership facts an agreement names, checked before it is written: its parties (existing, active
organizations whose type fits their role), its alliance, and for a `dual_appointment` its appointments (each held
at one party by a person of another party). 422 naming each field that fails; 503 when membership cannot answer
(services/matching/agreements/membership.py). Callers: the create route, and a proposal's acceptance before it
calls `service.create_agreement`."""

from __future__ import annotations

import asyncio
import uuid

from chanjiao.errors import FieldError, ValidationFailed
from services.matching.agreements.membership import ENTERPRISE_ORG_TYPES, SCHOOL_ORG_TYPES, MembershipDirectory
from services.matching.agreements.schemas import AgreementCreate

ROLE_TYPES = {"school": SCHOOL_ORG_TYPES, "enterprise": ENTERPRISE_ORG_TYPES}


def _fail(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in errors)
        raise ValidationFailed(
            detail_zh="协议引用的单位、联盟或聘任无效：" + names,
            detail_en="The agreement names invalid organizations, alliance or appointments: " + names,
            errors=errors,
        )


async def check_references(directory: MembershipDirectory, data: AgreementCreate) -> None:
    errors: list[FieldError] = []
    orgs = await asyncio.gather(*(directory.org(p.org_id) for p in data.parties))
    for i, (party, info) in enumerate(zip(data.parties, orgs, strict=True)):
        loc: list[str | int] = ["body", "parties", i, "org_id"]
        if info is None:
            errors.append(FieldError(loc, "单位不存在", "No such organization", "organization_not_found"))
        elif not info.is_active:
            errors.append(FieldError(loc, "单位已停用", "The organization is inactive", "organization_inactive"))
        elif party.role.value in ROLE_TYPES and info.org_type not in ROLE_TYPES[party.role.value]:
            errors.append(
                FieldError(
                    ["body", "parties", i, "role"],
                    f"单位类型 {info.org_type} 与角色 {party.role.value} 不符",
                    f"An organization of type {info.org_type} cannot be the {party.role.value} party",
                    "role_mismatch",
                )
            )
    if data.alliance_id is not None and not await directory.alliance_exists(data.alliance_id):
        errors.append(FieldError(["body", "alliance_id"], "联盟不存在", "No such alliance", "alliance_not_found"))
    party_ids = {p.org_id for p in data.parties}
    appointments = await asyncio.gather(*(directory.appointment(a) for a in data.appointment_ids))
    for i, info in enumerate(appointments):
        loc = ["body", "appointment_ids", i]
        if info is None:
            errors.append(FieldError(loc, "聘任不存在", "No such appointment", "appointment_not_found"))
        elif not _between_parties(info.host_org_id, info.person_org_id, party_ids):
            errors.append(
                FieldError(
                    loc,
                    "聘任的聘用单位和人员所在单位须是协议的两个不同参与方",
                    "The appointment's host and its person's organization must be two different parties",
                    "appointment_not_between_parties",
                )
            )
    _fail(errors)


def _between_parties(host: uuid.UUID, home: uuid.UUID, party_ids: set[uuid.UUID]) -> bool:
    return host != home and host in party_ids and home in party_ids
