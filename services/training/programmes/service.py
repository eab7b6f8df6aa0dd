"""Programme rules: create, read, list, update, soft delete — each write leaving an audit row and an outbox event
in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

Referenced organizations (provider, partners) must exist and be active and the alliance must exist: the
router asks `check_references` (membership through the organization directory) *before* this module
writes anything, so a membership outage past the cache TTL is a 503 with nothing half-written.

Who reads a programme (private to its tenants): principals of the provider organization or of a partner
organization, admins of the programme's alliance, service principals with `training:read`, platform
admins. Anyone else gets 404 and does not see it in lists."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import (
    ALLIANCE,
    ORGANIZATION,
    ExitQuery,
    Tenant,
    record_exits,
    sync_page_with_exits,
    tenants,
    touch,
)
from services.training.bases import service as bases
from services.training.db import SCHEMA, kernel
from services.training.enrolments.models import Enrolment
from services.training.orgs import OrgDirectory
from services.training.programmes.models import Programme
from services.training.programmes.schemas import ProgrammeCreate, ProgrammeUpdate

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
# Audited and in events: every column but the seat count, which enrolments move (they have their own events).
AUDIT = Audit(kernel, "programme", exclude=frozenset({"enrolled_count"}))


class ProgrammeNotFound(NotFound):
    slug = "programme-not-found"
    title_zh, title_en = "培训项目不存在", "Programme not found"


class ProgrammeHasEnrolments(Conflict):
    slug = "programme-has-enrolments"
    title_zh, title_en = "培训项目仍有报名记录", "Programme has enrolments"


def not_found() -> ProgrammeNotFound:
    return ProgrammeNotFound(detail_zh="没有该培训项目，或已被删除", detail_en="No such programme, or it was deleted")


# ---- checks --------------------------------------------------------------------------------------------------
def check_period(start_on: date, end_on: date) -> None:
    if end_on < start_on:
        raise field_error(
            ["body", "end_on"], "end_before_start", "结束日期不能早于开始日期", "end_on is before start_on"
        )


def check_commission(project_level: str, commissioned_by: str | None) -> None:
    """A commissioned project (国家/省/市/行业 level) names the body that commissioned it (422 naming
    `commissioned_by`)."""
    if project_level != "none" and commissioned_by is None:
        raise field_error(
            ["body", "commissioned_by"],
            "commissioner_required",
            "委托项目须填写委托单位（commissioned_by）",
            "A project with a level other than none names the body that commissioned it",
        )


async def check_references(
    directory: OrgDirectory,
    *,
    provider_org_id: uuid.UUID | None = None,
    partner_org_ids: list[uuid.UUID] | None = None,
    alliance_id: uuid.UUID | None = None,
    commissioned_by_org_id: uuid.UUID | None = None,
) -> None:
    """Provider, partners and the commissioning organization exist and are active, the alliance exists (422 naming
    each field; 503 when membership cannot answer past the cache TTL). Call before writing anything."""
    refs: dict[str, uuid.UUID | None] = {
        "provider_org_id": provider_org_id,
        "commissioned_by_org_id": commissioned_by_org_id,
    }
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
async def check_training_base(session: AsyncSession, base_id: uuid.UUID | None) -> None:
    """A training base referenced must exist (not deleted); 422 naming `training_base_id`."""
    if base_id is None:
        return
    if not await bases.is_live(session, base_id):
        raise field_error(
            ["body", "training_base_id"], "training_base_not_found", "没有该实训基地", "No such training base"
        )


async def create_programme(session: AsyncSession, *, data: ProgrammeCreate, actor: str) -> Programme:
    """The organizations were checked by `check_references` (and the caller's tenant by the router)."""
    check_period(data.start_on, data.end_on)
    check_commission(data.project_level.value, data.commissioned_by)
    await check_training_base(session, data.training_base_id)
    stamp = now()
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
        commissioned_by=data.commissioned_by,
        commissioned_by_org_id=data.commissioned_by_org_id,
        project_level=data.project_level.value,
        funding_source=data.funding_source.value if data.funding_source else None,
        target_groups=[g.value for g in data.target_groups],
        enrolled_count=0,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(p)
    await AUDIT.created(session, p, actor=actor)
    return p


async def get_programme(session: AsyncSession, programme_id: uuid.UUID, *, for_update: bool = False) -> Programme:
    return await load(session, Programme, programme_id, not_found=not_found, for_update=for_update)


async def find_live(session: AsyncSession, programme_id: uuid.UUID) -> Programme | None:
    """The live (not deleted) programme `programme_id`, or None: for a noun that answers its own error for a missing
    programme (an enrolment's `programme_id`)."""
    stmt = sa.select(Programme).where(Programme.id == programme_id, Programme.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_visible(session: AsyncSession, principal: Principal, programme_id: uuid.UUID) -> Programme:
    """A programme the principal may read (`can_read`); to anyone else it is 404, as if it did not exist."""
    return await load(session, Programme, programme_id, not_found=not_found, rule=lambda p: can_read(principal, p))


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
    check_commission(str(data.get("project_level", p.project_level)), data.get("commissioned_by", p.commissioned_by))
    if "capacity" in data and data["capacity"] is not None and data["capacity"] < p.enrolled_count:
        raise field_error(
            ["body", "capacity"],
            "below_enrolled",
            f"名额不能少于已报名人数（{p.enrolled_count}）",
            f"capacity cannot be below the seats already taken ({p.enrolled_count})",
        )
    if data.get("training_base_id") not in (None, p.training_base_id):
        await check_training_base(session, data["training_base_id"])
    before = AUDIT.snapshot(p)
    seen_before, enrolments_before = seeing(p), seeing_enrolments(p)
    for key, value in data.items():
        if isinstance(value, list):
            value = [v.value if hasattr(v, "value") else v for v in value]
        setattr(p, key, value.value if hasattr(value, "value") else value)
    if await AUDIT.updated(session, p, actor=actor, before=before):
        await _follow_tenants(session, p, seen_before, enrolments_before)
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
    before = AUDIT.snapshot(p)
    await soft_delete(session, p)
    await AUDIT.deleted(session, p, actor=actor, before=before)
