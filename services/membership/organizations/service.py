"""Organization rules: create, read, list, update, soft delete — each leaving an audit row and an
outbox event in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from chanjiao.dates import today
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now, render_rows
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.transitions import StateMachine
from chanjiao.validators import cjk_bigrams
from services.membership.db import kernel
from services.membership.designations import service as designations
from services.membership.organizations import history, rules
from services.membership.organizations.history import changes_between as changes_between
from services.membership.organizations.history import org_type_on as org_type_on
from services.membership.organizations.history import region_code_on as region_code_on
from services.membership.organizations.models import (
    Organization,
    OrganizationChange,
    OrganizationStatusEvent,
)
from services.membership.organizations.rules import DuplicateOrganization as DuplicateOrganization
from services.membership.organizations.rules import HierarchyCycle as HierarchyCycle
from services.membership.organizations.schemas import (
    Honour,
    OrganizationCreate,
    OrganizationPublic,
    OrganizationTombstone,
    OrganizationUpdate,
    StatusChangeCreate,
    reference_keys,
)
from services.membership.organizations.schemas import render as render_one
from services.membership.reference import service as reference

# Audited: what the organization says — not the search index of its name (`name_bigrams`) nor who registered it.
# `honours` is read from the designation register, whose entries are audited there.
AUDIT = Audit(kernel, "organization", exclude=frozenset({"name_bigrams", "registered_by_alliance_id", "honours"}))
ORG_STATUS = StateMachine("organization.status", {"active": frozenset({"inactive"}), "inactive": frozenset({"active"})})


class OrganizationNotFound(NotFound):
    slug = "organization-not-found"
    title_zh, title_en = "单位不存在", "Organization not found"


class OrganizationHasDependants(Conflict):
    slug = "organization-has-dependants"
    title_zh, title_en = "单位仍有下属或举办的单位", "Organization still has dependants"


def not_found() -> OrganizationNotFound:
    return OrganizationNotFound(detail_zh="没有该单位，或已被删除", detail_en="No such organization, or it was deleted")


async def create_organization(
    session: AsyncSession, *, data: OrganizationCreate, actor: str, registered_by: uuid.UUID | None = None
) -> Organization:
    """Register an organization; `registered_by` is the alliance whose admin registers it (None: a platform admin)."""
    rules.check_country(data.country_code, data.region_code, data.credit_code)
    await rules.check_unique(
        session,
        name=data.name,
        region_code=data.region_code,
        credit_code=data.credit_code,
        country_code=data.country_code,
    )
    await rules.check_links(
        session,
        org_id=None,
        org_type=data.org_type.value,
        parent_id=data.parent_id,
        sponsor_org_id=data.sponsor_org_id,
        check_parent=True,
        check_sponsor=True,
    )
    stamp = now()
    org = Organization(
        id=new_id(),
        name=data.name,
        name_bigrams=cjk_bigrams(data.name),
        org_type=data.org_type.value,
        country_code=data.country_code,
        region_code=data.region_code,
        credit_code=data.credit_code,
        industry_codes=data.industry_codes,
        parent_id=data.parent_id,
        sponsor_org_id=data.sponsor_org_id,
        registered_by_alliance_id=registered_by,
        status="active",
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(org)
    with rules.unique():
        await AUDIT.created(session, org, actor=actor)
    await write_honours(session, org, data.honours, actor=actor, bumped=True)
    return org


async def get_organization(session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False) -> Organization:
    """A live organization (open to every reader), or 404."""
    return await load(session, Organization, org_id, not_found=not_found, for_update=for_update)


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
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    changes: OrganizationUpdate,
    if_match: str | None,
    actor: str,
    effective_on: date | None = None,
    reason: str | None = None,
) -> Organization:
    """A new type or region is a dated change (`history.record`), effective on `effective_on` (default today)."""
    org = await get_organization(session, org_id, for_update=True)
    check_if_match(if_match, org.version)
    data = changes.model_dump(exclude_unset=True)
    honours = changes.honours if data.pop("honours", None) is not None else None
    before = AUDIT.snapshot(org)
    new_values = {**before, **{k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}}
    if new_values == before:
        await write_honours(session, org, honours, actor=actor, bumped=False)
        return org
    rules.check_country(org.country_code, new_values["region_code"], new_values["credit_code"])
    await rules.check_links(
        session,
        org_id=org.id,
        org_type=new_values["org_type"],
        parent_id=new_values["parent_id"],
        sponsor_org_id=new_values["sponsor_org_id"],
        check_parent=new_values["parent_id"] != before["parent_id"],
        check_sponsor=new_values["sponsor_org_id"] != before["sponsor_org_id"],
    )
    if any(k in data for k in ("name", "region_code", "credit_code")):
        await rules.check_unique(
            session,
            name=new_values["name"],
            region_code=new_values["region_code"],
            credit_code=new_values["credit_code"],
            country_code=org.country_code,
            exclude=org.id,
        )
    if (new_values["org_type"], new_values["region_code"]) != (before["org_type"], before["region_code"]):
        await history.record(
            session,
            org,
            org_type=new_values["org_type"],
            region_code=new_values["region_code"],
            effective_on=effective_on or today(),
            reason=reason,
            actor=actor,
        )
    org.sqlmodel_update({k: new_values[k] for k in data})
    if "name" in data:
        org.name_bigrams = cjk_bigrams(org.name)
    with rules.unique():
        bumped = await AUDIT.updated(session, org, actor=actor, before=before)
    await write_honours(session, org, honours, actor=actor, bumped=bumped)
    return org


async def change_type_or_region(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    org_type: str | None,
    region_code: str | None,
    effective_on: date | None,
    reason: str | None,
    actor: str,
) -> OrganizationChange:
    """Record a dated change of type and/or region with the rules of an update (a sponsor only on schools, a region
    only in China, name + region unique); 422 when it changes nothing."""
    org = await get_organization(session, org_id, for_update=True)
    if (org_type or org.org_type, region_code or org.region_code) == (org.org_type, org.region_code):
        raise field_error(
            ["body"], "no_change", "单位类型和行政区划均未改变", "Neither the type nor the region would change"
        )
    sent = {"org_type": org_type, "region_code": region_code}
    changes = OrganizationUpdate.model_validate({k: v for k, v in sent.items() if v is not None})
    await update_organization(
        session, org_id=org_id, changes=changes, if_match=None, actor=actor, effective_on=effective_on, reason=reason
    )
    latest = sa.select(OrganizationChange).where(OrganizationChange.org_id == org_id)
    return (await session.execute(latest.order_by(OrganizationChange.id.desc()).limit(1))).scalar_one()


# ---- honours: entries of the designation register (services/membership/designations/) ----------------------------
async def honours_changed(session: AsyncSession, org_id: uuid.UUID) -> None:
    """An entry of the organization changed in the register, so may its `honours`: a new version (ETag, sync)."""
    stmt = sa.update(Organization).where(Organization.id == org_id, Organization.deleted_at.is_(None))
    await session.execute(stmt.values(version=Organization.version + 1, updated_at=now()))


async def write_honours(
    session: AsyncSession, org: Organization, honours: list[Honour] | None, *, actor: str, bumped: bool
) -> None:
    """Write the `honours` list given on a create or an update (None: not given) as register entries; when it
    changed and nothing else did, the organization still gets a new version (its answer changed). A new
    organization without honours has none to read (no query)."""
    if honours is None:
        return
    if not honours and org.version == 1 and "honours" not in sa.inspect(org).dict:
        set_committed_value(org, "honours", [])
        return
    items = [h.model_dump(mode="json") for h in honours]
    changed = await designations.replace_listed(
        session, subject_kind="organization", subject_id=org.id, items=items, actor=actor
    )
    if changed and not bumped:
        org.version += 1
        org.updated_at = now()
        await session.flush()
    await session.refresh(org, ["honours"])


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
    before = AUDIT.snapshot(org)
    await soft_delete(session, org)
    await AUDIT.deleted(session, org, actor=actor, before=before)


async def render_all(
    session: AsyncSession, orgs: list[Organization]
) -> list[OrganizationPublic | OrganizationTombstone]:
    """The public forms of `orgs` (tombstones for deleted ones), the names of their region and industry codes looked
    up in one query."""
    keys: set[reference.Key] = set()
    for o in orgs:
        if o.deleted_at is None:
            keys.update(reference_keys(o))
    names = await reference.lookup(session, keys)
    return render_rows(orgs, partial(render_one, names=names), OrganizationTombstone)  # type: ignore[return-value]


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
    stamp = now()
    event = OrganizationStatusEvent(
        id=new_id(),
        org_id=org.id,
        from_status=org.status,
        to_status=data.to.value,
        effective_on=effective_on,
        reason=data.reason,
        actor=actor,
        recorded_at=stamp,
        updated_at=stamp,
    )
    session.add(event)
    before = AUDIT.snapshot(org)
    org.status = data.to.value
    org.version += 1
    org.updated_at = stamp
    await session.flush()
    await AUDIT.record(
        session,
        org,
        action="status_change",
        actor=actor,
        before=before,
        after=AUDIT.snapshot(org),
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
async def live_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `ids` that are organizations not deleted."""
    stmt = sa.select(Organization.id).where(Organization.id.in_(ids), Organization.deleted_at.is_(None))
    return set((await session.execute(stmt)).scalars())


async def check_active(session: AsyncSession, org_id: uuid.UUID, *, field: str) -> Organization:
    """The organization a record is about to reference: live and active, else 422 naming `field`.

    Taken `FOR SHARE`, so it cannot be deleted before this transaction commits."""
    stmt = (
        sa.select(Organization)
        .where(Organization.id == org_id, Organization.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    org = (await session.execute(stmt)).scalar_one_or_none()
    if org is None:
        raise field_error(
            ["body", field],
            "org_not_found",
            "没有该单位，或已被删除",
            "No such organization, or it was deleted",
        )
    if org.status != "active":
        raise field_error(
            ["body", field],
            "org_inactive",
            "该单位已停用，不能新增或变更到该单位的记录",
            "The organization is inactive and takes no new records",
        )
    return org


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
