"""Organization rules: create, read, list, update, soft delete — each leaving an audit row and an
outbox event in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import record_change
from chanjiao.dates import today
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.transitions import StateMachine
from chanjiao.validators import cjk_bigrams
from services.membership.db import kernel
from services.membership.organizations.models import (
    ORG_TYPE_LABELS,
    SCHOOL_TYPES,
    Organization,
    OrganizationStatusEvent,
)
from services.membership.organizations.schemas import (
    OrganizationCreate,
    OrganizationPublic,
    OrganizationTombstone,
    OrganizationUpdate,
    StatusChangeCreate,
)
from services.membership.reference import service as reference

AUDITED = (
    "name",
    "org_type",
    "region_code",
    "credit_code",
    "industry_codes",
    "parent_id",
    "sponsor_org_id",
    "honours",
    "status",
)
ORG_STATUS = StateMachine("organization.status", {"active": frozenset({"inactive"}), "inactive": frozenset({"active"})})
# Transaction-level advisory lock taken by every change of a `parent_id`, so two concurrent moves
# cannot each pass the cycle check and close a loop together.
_HIERARCHY_LOCK = 0x6F7267_70617265  # "org" "pare"
_MAX_DEPTH = 1000


class OrganizationNotFound(NotFound):
    slug = "organization-not-found"
    title_zh, title_en = "单位不存在", "Organization not found"


class DuplicateOrganization(Conflict):
    slug = "duplicate-organization"
    title_zh, title_en = "单位已存在", "Organization already exists"


class HierarchyCycle(Conflict):
    slug = "organization-hierarchy-cycle"
    title_zh, title_en = "上级单位形成循环", "Parent would create a cycle"


class OrganizationHasDependants(Conflict):
    slug = "organization-has-dependants"
    title_zh, title_en = "单位仍有下属或举办的单位", "Organization still has dependants"


def _snapshot(org: Organization) -> dict[str, Any]:
    return {k: getattr(org, k) for k in AUDITED}


async def _record(
    session: AsyncSession,
    org: Organization,
    *,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any],
) -> None:
    """The audit row and the outbox event of one write, in the caller's transaction."""
    await record_change(
        session,
        kernel,
        entity="organization",
        entity_id=org.id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        payload=payload,
    )


async def _check_unique(
    session: AsyncSession, *, name: str, region_code: str, credit_code: str | None, exclude: uuid.UUID | None = None
) -> None:
    live = Organization.deleted_at.is_(None)
    if credit_code is not None:
        cond = sa.and_(live, Organization.credit_code == credit_code)
        zh, en, field = "统一社会信用代码已被另一单位使用", "Another organization has this credit code", "credit_code"
    else:
        cond = sa.and_(
            live, Organization.credit_code.is_(None), Organization.name == name, Organization.region_code == region_code
        )
        zh, en, field = "同一地区已有同名单位", "An organization with this name exists in this region", "name"
    if exclude is not None:
        cond = sa.and_(cond, Organization.id != exclude)
    existing = (await session.execute(sa.select(Organization.id).where(cond).limit(1))).scalar_one_or_none()
    if existing is not None:
        raise DuplicateOrganization(detail_zh=zh, detail_en=en, extra={"existing_id": str(existing), "field": field})


async def _flush_unique(session: AsyncSession) -> None:
    """The partial unique indexes decide races the pre-check could not see."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateOrganization(
            detail_zh="单位已存在（统一社会信用代码或同地区同名）",
            detail_en="Organization already exists (credit code, or name in region)",
        ) from exc


async def _live_org_exists(session: AsyncSession, org_id: uuid.UUID) -> bool:
    """Existence of a live organization, share-locked so it cannot be deleted before we commit."""
    stmt = (
        sa.select(Organization.id)
        .where(Organization.id == org_id, Organization.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def _creates_cycle(session: AsyncSession, *, org_id: uuid.UUID, parent_id: uuid.UUID) -> bool:
    """True when `org_id` is `parent_id` or one of its ancestors."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_HIERARCHY_LOCK)))
    found = await session.execute(
        sa.text(
            "with recursive up(id, parent_id, depth) as ("
            " select id, parent_id, 1 from organizations where id = :parent"
            " union all"
            " select o.id, o.parent_id, up.depth + 1 from organizations o join up on o.id = up.parent_id"
            " where up.depth < :max_depth"
            ") select exists(select 1 from up where id = :org)"
        ),
        {"parent": parent_id, "org": org_id, "max_depth": _MAX_DEPTH},
    )
    return bool(found.scalar_one())


async def _check_links(
    session: AsyncSession,
    *,
    org_id: uuid.UUID | None,
    org_type: str,
    parent_id: uuid.UUID | None,
    sponsor_org_id: uuid.UUID | None,
    check_parent: bool,
    check_sponsor: bool,
) -> None:
    """`parent_id` names a live organization and closes no loop; `sponsor_org_id` only on schools."""
    if check_parent and parent_id is not None:
        if parent_id == org_id:
            raise HierarchyCycle(
                detail_zh="单位不能是自己的上级单位", detail_en="An organization cannot be its own parent"
            )
        if not await _live_org_exists(session, parent_id):
            raise field_error(
                ["body", "parent_id"], "not_found", "上级单位不存在或已被删除", "The parent organization does not exist"
            )
        if org_id is not None and await _creates_cycle(session, org_id=org_id, parent_id=parent_id):
            raise HierarchyCycle(
                detail_zh="所选上级单位是本单位的下属单位，会形成循环",
                detail_en="The chosen parent is below this organization in the group; that would close a loop",
                extra={"field": "parent_id"},
            )
    if sponsor_org_id is not None:
        if org_type not in SCHOOL_TYPES:
            raise field_error(
                ["body", "sponsor_org_id"],
                "school_only",
                "只有学校（本科、高职、中职、技工院校）可以填写举办单位",
                "Only schools (undergraduate, higher/secondary vocational, technician colleges) have a sponsor",
            )
        if not check_sponsor:
            return
        if sponsor_org_id == org_id:
            raise field_error(
                ["body", "sponsor_org_id"], "self", "单位不能举办自己", "An organization cannot sponsor itself"
            )
        if not await _live_org_exists(session, sponsor_org_id):
            raise field_error(
                ["body", "sponsor_org_id"],
                "not_found",
                "举办单位不存在或已被删除",
                "The sponsor organization does not exist",
            )


async def create_organization(
    session: AsyncSession, *, data: OrganizationCreate, actor: str, registered_by: uuid.UUID | None = None
) -> Organization:
    """Register an organization; `registered_by` is the alliance whose admin registers it (None: a platform admin)."""
    await _check_unique(session, name=data.name, region_code=data.region_code, credit_code=data.credit_code)
    await _check_links(
        session,
        org_id=None,
        org_type=data.org_type.value,
        parent_id=data.parent_id,
        sponsor_org_id=data.sponsor_org_id,
        check_parent=True,
        check_sponsor=True,
    )
    now = datetime.now(UTC)
    org = Organization(
        id=new_id(),
        name=data.name,
        name_bigrams=cjk_bigrams(data.name),
        org_type=data.org_type.value,
        region_code=data.region_code,
        credit_code=data.credit_code,
        industry_codes=data.industry_codes,
        parent_id=data.parent_id,
        sponsor_org_id=data.sponsor_org_id,
        honours=[h.model_dump(mode="json") for h in data.honours],
        registered_by_alliance_id=registered_by,
        status="active",
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(org)
    await _flush_unique(session)
    after = _snapshot(org)
    await _record(session, org, action="create", actor=actor, before=None, after=after, payload=after)
    return org


async def get_organization(session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False) -> Organization:
    stmt = sa.select(Organization).where(Organization.id == org_id, Organization.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    org = (await session.execute(stmt)).scalar_one_or_none()
    if org is None:
        raise OrganizationNotFound(
            detail_zh="没有该单位，或已被删除", detail_en="No such organization, or it was deleted"
        )
    return org


async def list_organizations(
    session: AsyncSession,
    *,
    org_type: str | None,
    region_prefix: str | None,
    q: str | None,
    since: Since,
    parent_id: uuid.UUID | None = None,
    status: str | None = None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Organization)
    if not include_deleted:
        stmt = stmt.where(Organization.deleted_at.is_(None))
    if org_type is not None:
        stmt = stmt.where(Organization.org_type == org_type)
    if region_prefix:
        stmt = stmt.where(Organization.region_code.startswith(region_prefix, autoescape=True))
    if q:
        # Index first (every bigram of the query is in the name), then the exact substring.
        stmt = stmt.where(
            Organization.name_bigrams.contains(cjk_bigrams(q)), Organization.name.contains(q.strip(), autoescape=True)
        )
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    if status is not None:
        stmt = stmt.where(Organization.status == status)
    return await sync_page(session, stmt, Organization, since=since, cursor=cursor, limit=limit)


async def update_organization(
    session: AsyncSession, *, org_id: uuid.UUID, changes: OrganizationUpdate, if_match: str | None, actor: str
) -> Organization:
    org = await get_organization(session, org_id, for_update=True)
    check_if_match(if_match, org.version)
    data = changes.model_dump(exclude_unset=True)
    if "honours" in data:
        data["honours"] = [h.model_dump(mode="json") for h in changes.honours or []]
    before = _snapshot(org)
    new_values = {**before, **{k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}}
    if new_values == before:
        return org
    await _check_links(
        session,
        org_id=org.id,
        org_type=new_values["org_type"],
        parent_id=new_values["parent_id"],
        sponsor_org_id=new_values["sponsor_org_id"],
        check_parent=new_values["parent_id"] != before["parent_id"],
        check_sponsor=new_values["sponsor_org_id"] != before["sponsor_org_id"],
    )
    if any(k in data for k in ("name", "region_code", "credit_code")):
        await _check_unique(
            session,
            name=new_values["name"],
            region_code=new_values["region_code"],
            credit_code=new_values["credit_code"],
            exclude=org.id,
        )
    org.sqlmodel_update({k: new_values[k] for k in data})
    if "name" in data:
        org.name_bigrams = cjk_bigrams(org.name)
    org.version += 1
    org.updated_at = datetime.now(UTC)
    await _flush_unique(session)
    after = _snapshot(org)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    await _record(session, org, action="update", actor=actor, before=before, after=after, payload={"changed": changed})
    return org


async def delete_organization(session: AsyncSession, *, org_id: uuid.UUID, if_match: str | None, actor: str) -> None:
    org = await get_organization(session, org_id, for_update=True)
    check_if_match(if_match, org.version)
    dependants = (
        await session.execute(
            sa.select(sa.func.count()).where(
                Organization.deleted_at.is_(None),
                sa.or_(Organization.parent_id == org.id, Organization.sponsor_org_id == org.id),
            )
        )
    ).scalar_one()
    if dependants:
        raise OrganizationHasDependants(
            detail_zh=f"仍有 {dependants} 个单位以本单位为上级单位或举办单位，请先修改它们",
            detail_en=f"{dependants} organization(s) still name this one as parent or sponsor; change them first",
            extra={"dependants": dependants},
        )
    before = _snapshot(org)
    await soft_delete(session, org)
    await _record(session, org, action="delete", actor=actor, before=before, after=None, payload={})


async def render(session: AsyncSession, orgs: list[Organization]) -> list[OrganizationPublic | OrganizationTombstone]:
    """Public form, with names of region and industry codes looked up in one query."""
    keys: set[reference.Key] = set()
    for o in orgs:
        if o.deleted_at is None:
            rc = o.region_code
            keys.update({("regions", rc), ("regions", rc[:2] + "0000"), ("regions", rc[:4] + "00")})
            keys.update(("industries", c) for c in o.industry_codes)
    found = await reference.lookup(session, keys)
    out: list[OrganizationPublic | OrganizationTombstone] = []
    for o in orgs:
        if o.deleted_at is not None:
            out.append(OrganizationTombstone(id=o.id, deleted_at=o.deleted_at))
            continue
        rc = o.region_code
        region = found.get(("regions", rc))
        province = found.get(("regions", rc[:2] + "0000"))
        city = found.get(("regions", rc[:4] + "00")) if not rc.endswith("0000") else None
        out.append(
            OrganizationPublic(
                id=o.id,
                name=o.name,
                org_type=o.org_type,
                org_type_label=ORG_TYPE_LABELS[o.org_type],
                region_code=o.region_code,
                region={
                    "code": o.region_code,
                    "name": region.name if region else None,
                    "code_known": region is not None,
                    "province": province.name if province else None,
                    "city": city.name if city else None,
                },
                credit_code=o.credit_code,
                industry_codes=o.industry_codes,
                industries=[
                    {
                        "code": c,
                        "name": found[("industries", c)].name if ("industries", c) in found else None,
                        "code_known": ("industries", c) in found,
                    }
                    for c in o.industry_codes
                ],
                parent_id=o.parent_id,
                sponsor_org_id=o.sponsor_org_id,
                honours=o.honours,
                registered_by_alliance_id=o.registered_by_alliance_id,
                status=o.status,
                version=o.version,
                created_at=o.created_at,
                updated_at=o.updated_at,
            )
        )
    return out


# ---- status changes ---------------------------------------------------------------------------
async def change_status(
    session: AsyncSession, *, org_id: uuid.UUID, data: StatusChangeCreate, actor: str
) -> OrganizationStatusEvent:
    """Append a dated active ⇄ inactive event and keep `organizations.status` equal to its `to`."""
    effective_on = data.effective_on or today()
    if effective_on > today():
        raise field_error(
            ["body", "effective_on"], "future", "生效日期不能晚于今天", "effective_on cannot be in the future"
        )
    org = await get_organization(session, org_id, for_update=True)
    ORG_STATUS.check(org.status, data.to.value)
    latest = (
        await session.execute(
            sa.select(sa.func.max(OrganizationStatusEvent.effective_on)).where(OrganizationStatusEvent.org_id == org.id)
        )
    ).scalar_one()
    StateMachine.check_effective_on(latest, effective_on)
    now = datetime.now(UTC)
    event = OrganizationStatusEvent(
        id=new_id(),
        org_id=org.id,
        from_status=org.status,
        to_status=data.to.value,
        effective_on=effective_on,
        reason=data.reason,
        actor=actor,
        recorded_at=now,
        updated_at=now,
    )
    session.add(event)
    before = _snapshot(org)
    org.status = data.to.value
    org.version += 1
    org.updated_at = now
    await session.flush()
    await _record(
        session,
        org,
        action="status_change",
        actor=actor,
        before=before,
        after=_snapshot(org),
        payload={
            "event_id": event.id,
            "from": event.from_status,
            "to": event.to_status,
            "effective_on": effective_on,
            "reason": data.reason,
        },
    )
    return event


async def list_status_events(
    session: AsyncSession, *, org_id: uuid.UUID, since: Since, cursor: str | None, limit: int
) -> SyncPage:
    """Oldest first (ids are time-ordered); events are never changed nor removed, so a pull by token returns the
    events recorded since."""
    await get_organization(session, org_id)
    stmt = sa.select(OrganizationStatusEvent).where(OrganizationStatusEvent.org_id == org_id)
    return await sync_page(session, stmt, OrganizationStatusEvent, since=since, cursor=cursor, limit=limit)


# ---- published to the other nouns of the service (identity) ---------------------------------------------------
async def lock_if_live(session: AsyncSession, org_id: uuid.UUID) -> bool:
    """True when the organization exists and is not deleted; its row then stays share-locked until the caller's
    commit, so it cannot be deleted while the caller writes something that names it."""
    stmt = (
        sa.select(Organization.id)
        .where(Organization.id == org_id, Organization.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def is_live(session: AsyncSession, org_id: uuid.UUID) -> bool:
    """True when the organization exists and is not deleted (no lock)."""
    stmt = sa.select(sa.exists().where(Organization.id == org_id, Organization.deleted_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())


async def name_of(session: AsyncSession, org_id: uuid.UUID) -> str | None:
    """The organization's name (None: no such organization)."""
    return (await session.execute(sa.select(Organization.name).where(Organization.id == org_id))).scalar()


async def registered_by_one_of(session: AsyncSession, org_id: uuid.UUID, alliance_ids: list[uuid.UUID]) -> bool:
    """True when one of `alliance_ids` registered the organization (`registered_by_alliance_id`)."""
    if not alliance_ids:
        return False
    stmt = sa.select(
        sa.exists().where(Organization.id == org_id, Organization.registered_by_alliance_id.in_(alliance_ids))
    )
    return bool((await session.execute(stmt)).scalar())
