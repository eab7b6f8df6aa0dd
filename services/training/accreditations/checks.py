"""What an appraisal batch and an issued skill certificate check against the register (docs/domain.md,
"Accreditation 鉴定与考核资质"):

* `check_accredited`: an organization appraising for a `skill_level` certificate holds a 鉴定站 / 认定机构 / 考点
  accreditation — for a `skill_level_1x` one a 1+X 考核站点 — valid on the batch's day that names the occupation (by
  code when both give one, else by name) and the level;
* `check_pilot_registered`: an organization issuing a `skill_level_1x` certificate has registered (备案) that 1+X
  certificate (by name) for the level, on or before the day of issue.

Both apply to an organization that keeps the register — one with at least one live entry of it (an accreditation;
a pilot registration) — so certificates and batches recorded before the register existed, and those of
organizations that never use it, stay valid; with the setting `accreditation_strict` (services/training/settings.py)
they apply to every organization. A refusal is 422 naming the field and the rule; nothing is written."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import field_error
from services.training.accreditations.models import (
    KIND_LABELS,
    KINDS_FOR_CERTIFICATE,
    Accreditation,
    PilotRegistration,
)
from services.training.accreditations.service import name_key


def _names(o: dict[str, Any], code: str | None, name: str) -> bool:
    if code and o.get("code"):
        return str(o["code"]) == code
    return name_key(str(o["name"])) == name_key(name)


async def check_accredited(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    certificate_kind: str,
    occupation_code: str | None,
    occupation_name: str,
    level: str,
    on: date,
    strict: bool,
) -> None:
    """422 unless `org_id` may appraise this occupation and level on `on` (see the module's rule); `body.appraised_on`
    (`accreditation_valid`) when no fitting accreditation is valid that day, `body.occupation_code` or
    `body.occupation_name` (`accredited_occupation`) when none names the occupation, `body.level`
    (`accredited_level`) when none covers the level."""
    t: Any = Accreditation
    rows = list((await session.execute(sa.select(t).where(t.org_id == org_id, t.deleted_at.is_(None)))).scalars())
    if not rows and not strict:
        return
    kinds = KINDS_FOR_CERTIFICATE.get(certificate_kind, ())
    labels = "、".join(KIND_LABELS[k] for k in kinds)
    valid = [
        r for r in rows if r.kind in kinds and r.valid_from <= on and (r.valid_until is None or r.valid_until >= on)
    ]
    if not valid:
        raise field_error(
            ["body", "appraised_on"],
            "accreditation_valid",
            f"鉴定单位在鉴定日期没有有效的{labels}资质",
            f"The organization holds no valid accreditation ({', '.join(kinds)}) on that day",
        )
    scopes = [o for r in valid for o in r.occupations if _names(o, occupation_code, occupation_name)]
    if not scopes:
        field = (
            "occupation_code"
            if occupation_code and any(o.get("code") for r in valid for o in r.occupations)
            else "occupation_name"
        )
        raise field_error(
            ["body", field],
            "accredited_occupation",
            "鉴定单位的资质不含该职业（工种）",
            "The organization is not accredited for this occupation",
        )
    if not any(not o.get("levels") or level in o["levels"] for o in scopes):
        raise field_error(
            ["body", "level"],
            "accredited_level",
            "鉴定单位的资质不含该等级",
            "The organization is not accredited for this level",
        )


async def check_pilot_registered(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    certificate_name: str,
    level: str | None,
    on: date,
    strict: bool,
    field: str = "occupation_name",
) -> None:
    """422 on `body.<field>` (`pilot_registration`) unless `org_id` registered this 1+X certificate for the level on
    or before `on` (see the module's rule)."""
    t: Any = PilotRegistration
    rows = list(
        (await session.execute(sa.select(t).where(t.school_org_id == org_id, t.deleted_at.is_(None)))).scalars()
    )
    if not rows and not strict:
        return
    key = name_key(certificate_name)
    if any(
        r.certificate_key == key and r.registered_on <= on and (not r.levels or level is None or level in r.levels)
        for r in rows
    ):
        return
    raise field_error(
        ["body", field],
        "pilot_registration",
        "颁发单位没有该 1+X 证书（该等级）的试点备案",
        "The issuing organization has no 1+X pilot registration for this certificate (and level) on that day",
    )
