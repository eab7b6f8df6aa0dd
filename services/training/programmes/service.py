"""Programme rules: create, read, list, update, soft delete — each leaving an audit row and an outbox event
in the caller's transaction. Knows nothing of HTTP.

Referenced organizations (provider, partners) must exist and be active and the alliance must exist: the
router asks `check_references` (membership through the organization directory) *before* this module
writes anything, so a membership outage past the cache TTL is a 503 with nothing half-written.

Who reads a programme (private to its tenants): principals of the provider organization or of a partner
organization, admins of the programme's alliance, service principals with `training:read`, platform
admins. Anyone else gets 404 and does not see it in lists."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import refdata
from chanjiao.audit import record_change
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import (
    ALLIANCE,
    ORGANIZATION,
    Exit,
    ExitQuery,
    ExitTombstone,
    Tenant,
    record_exits,
    sync_page_with_exits,
    tenants,
    touch,
)
from services.training.bases.models import TrainingBase
from services.training.db import SCHEMA, kernel
from services.training.enrolments.models import Enrolment
from services.training.orgs import OrgDirectory
from services.training.programmes.models import DELIVERY_LABELS, KIND_LABELS, Programme
from services.training.programmes.schemas import (
    CodeRef,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeTombstone,
    ProgrammeUpdate,
)

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
AUDITED = (
    "name",
    "kind",
    "provider_org_id",
    "alliance_id",
    "partner_org_ids",
    "occupation_code",
    "major_code",
    "training_base_id",
    "start_on",
    "end_on",
    "planned_hours",
    "capacity",
    "delivery",
)


class ProgrammeNotFound(NotFound):
    slug = "programme-not-found"
    title_zh, title_en = "培训项目不存在", "Programme not found"


class ProgrammeHasEnrolments(Conflict):
    slug = "programme-has-enrolments"
    title_zh, title_en = "培训项目仍有报名记录", "Programme has enrolments"


def not_found() -> ProgrammeNotFound:
    return ProgrammeNotFound(detail_zh="没有该培训项目，或已被删除", detail_en="No such programme, or it was deleted")


# ---- reference codes ---------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _occupation_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.occupations()}


@lru_cache(maxsize=1)
def _major_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.majors()}


def _ref(code: str | None, names: dict[str, str]) -> CodeRef | None:
    if code is None:
        return None
    return CodeRef(code=code, name=names.get(code), code_known=code in names)


# ---- checks --------------------------------------------------------------------------------------------------
def check_period(start_on: date, end_on: date) -> None:
    if end_on < start_on:
        raise field_error(
            ["body", "end_on"], "end_before_start", "结束日期不能早于开始日期", "end_on is before start_on"
        )


async def check_references(
    directory: OrgDirectory,
    *,
    provider_org_id: uuid.UUID | None = None,
    partner_org_ids: list[uuid.UUID] | None = None,
    alliance_id: uuid.UUID | None = None,
) -> None:
    """Provider and partners exist and are active, the alliance exists (422 naming each field; 503 when
    membership cannot answer past the cache TTL). Call before writing anything."""
    refs: dict[str, uuid.UUID | None] = {"provider_org_id": provider_org_id}
    for i, org_id in enumerate(partner_org_ids or []):
        refs[f"partner_org_ids.{i}"] = org_id
    errors: list[FieldError] = []
    try:
        await directory.require_active(refs)
    except ValidationFailed as exc:
        for e in exc.errors:
            name = str(e.loc[-1])
            if name.startswith("partner_org_ids."):
                e.loc = ["body", "partner_org_ids", int(name.split(".")[1])]
            errors.append(e)
    if alliance_id is not None and await directory.alliance_members(alliance_id) is None:
        errors.append(FieldError(["body", "alliance_id"], "联盟不存在", "No such alliance", "alliance_not_found"))
    if errors:
        names = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"引用的单位或联盟不存在或已停用：{names}",
            detail_en=f"Referenced organizations or alliances missing or inactive: {names}",
            errors=errors,
        )


# ---- who may read --------------------------------------------------------------------------------------------
def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _alliances(principal: Principal) -> list[uuid.UUID]:
    if ALLIANCE_ADMIN not in principal.roles:
        return []
    return [a for a in (_uuid(x) for x in principal.alliances) if a is not None]


def reads_everything(principal: Principal) -> bool:
    return principal.is_platform_admin or (principal.kind == "service" and "training:read" in principal.scopes)


def principal_org(principal: Principal) -> uuid.UUID | None:
    """The organization the principal acts for as org_admin/org_staff (None otherwise)."""
    if not set(principal.roles) & set(ORG_ROLES):
        return None
    return _uuid(principal.org_id)


def can_read(principal: Principal, p: Programme) -> bool:
    if reads_everything(principal):
        return True
    org = principal_org(principal)
    if org is not None and (org == p.provider_org_id or org in (p.partner_org_ids or [])):
        return True
    return p.alliance_id is not None and p.alliance_id in _alliances(principal)


def visible_filter(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the programmes the principal may list (None: all)."""
    if reads_everything(principal):
        return None
    conditions: list[sa.ColumnElement[bool]] = []
    org = principal_org(principal)
    if org is not None:
        conditions.append(Programme.provider_org_id == org)
        conditions.append(Programme.partner_org_ids.contains([org]))
    alliances = _alliances(principal)
    if alliances:
        conditions.append(Programme.alliance_id.in_(alliances))
    return sa.or_(*conditions) if conditions else sa.false()


def seeing(p: Programme) -> set[Tenant]:
    """The tenants that may see the programme: its provider and partners, its alliance (through its admins)."""
    return tenants(ORGANIZATION, p.provider_org_id, *(p.partner_org_ids or [])) | tenants(ALLIANCE, p.alliance_id)


def seeing_enrolments(p: Programme) -> set[Tenant]:
    """The organizations that see every enrolment of the programme (its provider and partners); each enrolment is
    also seen by its learner's owner, which a programme write does not change."""
    return tenants(ORGANIZATION, p.provider_org_id, *(p.partner_org_ids or []))


def exit_query(principal: Principal) -> ExitQuery:
    """The programme exits the principal gets on a token pull (chanjiao/sync_exits.py)."""
    visible = visible_filter(principal)
    mine = None
    if visible is not None:
        mine = sorted(tenants(ORGANIZATION, principal_org(principal)) | tenants(ALLIANCE, *_alliances(principal)))
    still = sa.select(Programme.id).where(Programme.deleted_at.is_(None))
    return ExitQuery(SCHEMA, "programme", mine, still.where(visible) if visible is not None else still)


# ---- writes --------------------------------------------------------------------------------------------------
def _snapshot(p: Programme) -> dict[str, Any]:
    return {k: getattr(p, k) for k in AUDITED}


async def _record(session: AsyncSession, p: Programme, *, action: str, actor: str, before, after, payload) -> None:
    await record_change(
        session,
        kernel,
        entity="programme",
        entity_id=p.id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        payload=payload,
    )


async def check_training_base(session: AsyncSession, base_id: uuid.UUID | None) -> None:
    """A training base referenced must exist (not deleted); 422 naming `training_base_id`."""
    if base_id is None:
        return
    found = (
        await session.execute(
            sa.select(TrainingBase.id).where(TrainingBase.id == base_id, TrainingBase.deleted_at.is_(None))
        )
    ).scalar_one_or_none()
    if found is None:
        raise field_error(
            ["body", "training_base_id"], "training_base_not_found", "没有该实训基地", "No such training base"
        )


async def create_programme(session: AsyncSession, *, data: ProgrammeCreate, actor: str) -> Programme:
    """The organizations were checked by `check_references` (and the caller's tenant by the router)."""
    check_period(data.start_on, data.end_on)
    await check_training_base(session, data.training_base_id)
    now = datetime.now(UTC)
    p = Programme(
        id=new_id(),
        name=data.name,
        kind=data.kind.value,
        provider_org_id=data.provider_org_id,
        alliance_id=data.alliance_id,
        partner_org_ids=list(data.partner_org_ids),
        occupation_code=data.occupation_code,
        major_code=data.major_code,
        training_base_id=data.training_base_id,
        start_on=data.start_on,
        end_on=data.end_on,
        planned_hours=data.planned_hours,
        capacity=data.capacity,
        delivery=data.delivery.value,
        enrolled_count=0,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(p)
    await session.flush()
    after = _snapshot(p)
    await _record(session, p, action="create", actor=actor, before=None, after=after, payload=after)
    return p


async def get_programme(session: AsyncSession, programme_id: uuid.UUID, *, for_update: bool = False) -> Programme:
    stmt = sa.select(Programme).where(Programme.id == programme_id, Programme.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    p = (await session.execute(stmt)).scalar_one_or_none()
    if p is None:
        raise not_found()
    return p


async def list_programmes(
    session: AsyncSession,
    *,
    provider_org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    kind: str | None,
    period: tuple[date | None, date | None],
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None,
    exits: ExitQuery | None = None,
) -> SyncPage:
    """`exits`: on a token pull with `include_deleted`, the programmes that left the caller's view come too."""
    stmt = sa.select(Programme)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(Programme.deleted_at.is_(None))
    if provider_org_id is not None:
        stmt = stmt.where(Programme.provider_org_id == provider_org_id)
    if alliance_id is not None:
        stmt = stmt.where(Programme.alliance_id == alliance_id)
    if kind is not None:
        stmt = stmt.where(Programme.kind == kind)
    start, end = period
    if start is not None:
        stmt = stmt.where(Programme.end_on >= start)
    if end is not None:
        stmt = stmt.where(Programme.end_on <= end)
    return await sync_page_with_exits(
        session,
        stmt,
        Programme,
        since=since,
        cursor=cursor,
        limit=limit,
        exits=exits,
        include_deleted=include_deleted,
    )


async def update_programme(
    session: AsyncSession, *, p: Programme, changes: ProgrammeUpdate, if_match: str | None, actor: str
) -> Programme:
    """`p` is locked (FOR UPDATE) by the caller, which also checked the references that change."""
    check_if_match(if_match, p.version)
    data = changes.model_dump(exclude_unset=True)
    check_period(data.get("start_on", p.start_on), data.get("end_on", p.end_on))
    if "capacity" in data and data["capacity"] is not None and data["capacity"] < p.enrolled_count:
        raise field_error(
            ["body", "capacity"],
            "below_enrolled",
            f"名额不能少于已报名人数（{p.enrolled_count}）",
            f"capacity cannot be below the seats already taken ({p.enrolled_count})",
        )
    if data.get("training_base_id") not in (None, p.training_base_id):
        await check_training_base(session, data["training_base_id"])
    before = _snapshot(p)
    seen_before, enrolments_before = seeing(p), seeing_enrolments(p)
    for key, value in data.items():
        setattr(p, key, value.value if hasattr(value, "value") else value)
    after = _snapshot(p)
    if after == before:
        return p
    p.version += 1
    p.updated_at = datetime.now(UTC)
    await session.flush()
    await _follow_tenants(session, p, seen_before, enrolments_before)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await _record(session, p, action="update", actor=actor, before=before, after=after, payload={"changed": changed})
    return p


async def _follow_tenants(
    session: AsyncSession, p: Programme, seen_before: set[Tenant], enrolments_before: set[Tenant]
) -> None:
    """After a change of partners or alliance (docs/sync.md): an exit row for every tenant that no longer sees the
    programme, and for every organization that no longer sees its enrolments; the enrolments re-stamped when an
    organization starts seeing them, so they come with its next token pull."""
    await record_exits(session, SCHEMA, "programme", [p.id], before=seen_before, after=seeing(p))
    enrolments = sa.select(Enrolment.id).where(Enrolment.programme_id == p.id)
    await record_exits(session, SCHEMA, "enrolment", enrolments, before=enrolments_before, after=seeing_enrolments(p))
    if seeing_enrolments(p) - enrolments_before:
        await touch(session, Enrolment, Enrolment.programme_id == p.id)


async def delete_programme(session: AsyncSession, *, p: Programme, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, p.version)
    if p.enrolled_count > 0:
        raise ProgrammeHasEnrolments(
            detail_zh=f"该项目仍有 {p.enrolled_count} 个有效报名；请先办理退出",
            detail_en=f"The programme still has {p.enrolled_count} enrolment(s) holding seats; drop them first",
            extra={"enrolled_count": p.enrolled_count},
        )
    before = _snapshot(p)
    await soft_delete(session, p)
    await _record(session, p, action="delete", actor=actor, before=before, after=None, payload={})


def render(rows: list[Programme | Exit]) -> list[ProgrammePublic | ProgrammeTombstone | ExitTombstone]:
    occupations, majors = _occupation_names(), _major_names()
    out: list[ProgrammePublic | ProgrammeTombstone | ExitTombstone] = []
    for p in rows:
        if isinstance(p, Exit):
            out.append(ExitTombstone.of(p))
            continue
        if p.deleted_at is not None:
            out.append(ProgrammeTombstone(id=p.id, deleted_at=p.deleted_at))
            continue
        out.append(
            ProgrammePublic(
                id=p.id,
                name=p.name,
                kind=p.kind,
                kind_label=KIND_LABELS[p.kind],
                provider_org_id=p.provider_org_id,
                alliance_id=p.alliance_id,
                partner_org_ids=list(p.partner_org_ids or []),
                occupation_code=p.occupation_code,
                occupation=_ref(p.occupation_code, occupations),
                major_code=p.major_code,
                major=_ref(p.major_code, majors),
                training_base_id=p.training_base_id,
                start_on=p.start_on,
                end_on=p.end_on,
                planned_hours=float(p.planned_hours) if p.planned_hours is not None else None,
                capacity=p.capacity,
                enrolled_count=p.enrolled_count,
                seats_left=None if p.capacity is None else p.capacity - p.enrolled_count,
                delivery=p.delivery,
                delivery_label=DELIVERY_LABELS[p.delivery],
                version=p.version,
                created_at=p.created_at,
                updated_at=p.updated_at,
            )
        )
    return out
