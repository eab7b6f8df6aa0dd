"""The accreditation register and the 1+X pilot registrations: rules and writes (create, read, list, update, soft
delete — each with an audit row and an outbox event in the caller's transaction, chanjiao/resources.py). Both are
public directories: any caller with `training:read` reads them; the accredited organization (the school of a pilot
registration) writes its own. Knows nothing of HTTP; docs/domain.md, "Accreditation 鉴定与考核资质"."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.training.accreditations.models import LEVELS_1X, SKILL_LEVELS, Accreditation, PilotRegistration
from services.training.accreditations.schemas import (
    AccreditationCreate,
    AccreditationUpdate,
    PilotRegistrationCreate,
    PilotRegistrationUpdate,
)
from services.training.db import kernel

AUDIT = Audit(kernel, "accreditation")
REGISTRATION_AUDIT = Audit(kernel, "pilot_registration", exclude=frozenset({"certificate_key"}))


class AccreditationNotFound(NotFound):
    slug = "accreditation-not-found"
    title_zh, title_en = "资质记录不存在", "Accreditation not found"


class PilotRegistrationNotFound(NotFound):
    slug = "pilot-registration-not-found"
    title_zh, title_en = "1+X 试点备案不存在", "Pilot registration not found"


class PilotRegistrationTaken(Conflict):
    slug = "pilot-registration-taken"
    title_zh, title_en = "该证书已备案", "Certificate already registered"


def name_key(name: str) -> str:
    """The compared form of a certificate or occupation name: NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).lower().split())


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}",
            detail_en=f"These fields failed validation: {names}",
            errors=errors,
        )


def check_accreditation(values: dict[str, Any]) -> None:
    """Validity in order; each occupation's levels those of the kind (1+X levels for a 1+X site)."""
    errors: list[FieldError] = []
    if values.get("valid_until") is not None and values["valid_until"] < values["valid_from"]:
        errors.append(FieldError(["body", "valid_until"], "有效期止不能早于有效期起", "Before valid_from", "validity"))
    allowed = LEVELS_1X if str(values["kind"]) == "x_exam_site" else SKILL_LEVELS
    for i, o in enumerate(values["occupations"]):
        bad = [lv for lv in o.get("levels") or [] if lv not in allowed]
        if bad:
            errors.append(
                FieldError(
                    ["body", "occupations", i, "levels"],
                    f"等级须为：{'、'.join(allowed)}",
                    f"Levels are among: {', '.join(allowed)}",
                    "level",
                )
            )
    _refuse(errors)


def check_registration(values: dict[str, Any]) -> None:
    bad = [lv for lv in values.get("levels") or [] if lv not in LEVELS_1X]
    if bad or len(set(values.get("levels") or [])) != len(values.get("levels") or []):
        _refuse(
            [FieldError(["body", "levels"], f"等级须为：{'、'.join(LEVELS_1X)}，不重复", "初级, 中级 or 高级", "level")]
        )


def _stored_occupations(occupations: list[Any]) -> list[dict[str, Any]]:
    return [{"code": o["code"], "name": o["name"], "levels": list(dict.fromkeys(o["levels"]))} for o in occupations]


# ---- accreditations ------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, accreditation_id: uuid.UUID, *, for_update: bool = False) -> Accreditation:
    def missing() -> AccreditationNotFound:
        return AccreditationNotFound(detail_zh="没有该资质记录", detail_en="No such accreditation")

    return await load(session, Accreditation, accreditation_id, not_found=missing, for_update=for_update)


async def page(
    session: AsyncSession,
    *,
    model: Any,
    where: Iterable[Any],
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """A keyset page of the register (`model`: Accreditation or PilotRegistration): live rows, and with
    `include_deleted` the deleted ones too (the router answers them as tombstones)."""
    stmt = sa.select(model).where(*where)
    if not include_deleted:
        stmt = stmt.where(model.deleted_at.is_(None))
    return await sync_page(session, stmt, model, since=since, cursor=cursor, limit=limit)


async def create(session: AsyncSession, *, data: AccreditationCreate, actor: str) -> Accreditation:
    values = data.model_dump(mode="python")
    values["kind"] = data.kind.value
    check_accreditation(values)
    values["occupations"] = _stored_occupations(values["occupations"])
    stamp = now()
    row = Accreditation(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: Accreditation, changes: AccreditationUpdate, if_match: str | None, actor: str
) -> Accreditation:
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True, mode="python")
    if data.get("kind") is not None:
        data["kind"] = data["kind"].value
    before = AUDIT.snapshot(row)
    check_accreditation({**before, **data})
    if "occupations" in data:
        data["occupations"] = _stored_occupations(data["occupations"])
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(session: AsyncSession, *, row: Any, if_match: str | None, actor: str, audit: Audit = AUDIT) -> None:
    check_if_match(if_match, row.version)
    before = audit.snapshot(row)
    await soft_delete(session, row)
    await audit.deleted(session, row, actor=actor, before=before)


# ---- 1+X pilot registrations ---------------------------------------------------------------------------------------
async def get_registration(
    session: AsyncSession, registration_id: uuid.UUID, *, for_update: bool = False
) -> PilotRegistration:
    def missing() -> PilotRegistrationNotFound:
        return PilotRegistrationNotFound(detail_zh="没有该试点备案", detail_en="No such pilot registration")

    return await load(session, PilotRegistration, registration_id, not_found=missing, for_update=for_update)


def _taken() -> PilotRegistrationTaken:
    return PilotRegistrationTaken(
        detail_zh="该校已备案同名 1+X 证书",
        detail_en="The school already registered this 1+X certificate",
        errors=[FieldError(["body", "certificate_name"], "已备案", "Already registered", "unique")],
    )


async def _flush_unique(session: AsyncSession) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise _taken() from None


async def create_registration(session: AsyncSession, *, data: PilotRegistrationCreate, actor: str) -> PilotRegistration:
    values = data.model_dump(mode="python")
    check_registration(values)
    stamp = now()
    row = PilotRegistration(
        id=new_id(),
        **values,
        certificate_key=name_key(data.certificate_name),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await _flush_unique(session)
    await REGISTRATION_AUDIT.created(session, row, actor=actor)
    return row


async def update_registration(
    session: AsyncSession, *, row: PilotRegistration, changes: PilotRegistrationUpdate, if_match: str | None, actor: str
) -> PilotRegistration:
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True, mode="python")
    check_registration({"levels": data.get("levels", row.levels)})
    before = REGISTRATION_AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value)
    row.certificate_key = name_key(row.certificate_name)
    await _flush_unique(session)
    await REGISTRATION_AUDIT.updated(session, row, actor=actor, before=before)
    return row
