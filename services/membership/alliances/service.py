"""Alliance rules: create, read, list, update, soft delete — each write with an audit row and an outbox event in the
caller's transaction (chanjiao/resources.py). Knows nothing of HTTP."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances.models import Alliance
from services.membership.alliances.schemas import AllianceCreate, AllianceUpdate, Recognition
from services.membership.db import kernel
from services.membership.designations import service as designations
from services.membership.organizations import service as organizations

# Every column of the table is audited (name, kind, level, founded_on, seat_region_code, seat_park, entity_run,
# legal_person_status, legal_person_registration_no, guiding_body, lead_org_ids, charter, membership_rules,
# industry_focus); recognitions are register entries, audited there.
AUDIT = Audit(kernel, "alliance", exclude=frozenset({"recognitions"}))


class AllianceNotFound(NotFound):
    slug = "alliance-not-found"
    title_zh, title_en = "联盟不存在", "Alliance not found"


class DuplicateAlliance(Conflict):
    slug = "duplicate-alliance"
    title_zh, title_en = "联盟已存在", "Alliance already exists"


def not_found() -> AllianceNotFound:
    return AllianceNotFound(detail_zh="没有该联盟，或已被删除", detail_en="No such alliance, or it was deleted")


def _duplicate(**extra: str) -> DuplicateAlliance:
    return DuplicateAlliance(detail_zh="已有同名联盟", detail_en="An alliance with this name exists", extra=dict(extra))


async def _check_lead_orgs(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    if not ids:
        return
    found = await organizations.live_ids(session, ids)
    for i, oid in enumerate(ids):
        if oid not in found:
            raise field_error(["body", "lead_org_ids", i], "unknown_organization", "没有该单位", "No such organization")


def _check_legal_person(status: str, registration_no: str | None) -> None:
    if status == "none" and registration_no is not None:
        raise field_error(
            ["body", "legal_person_registration_no"],
            "needs_legal_person",
            "不具备法人资格的联盟没有法人登记证号",
            "Only an alliance with a legal personality has a registration number",
        )


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get_alliance(session: AsyncSession, alliance_id: uuid.UUID, *, for_update: bool = False) -> Alliance:
    """A live alliance (the directory is public), or 404."""
    return await load(session, Alliance, alliance_id, not_found=not_found, for_update=for_update)


async def list_alliances(
    session: AsyncSession,
    *,
    kind: str | None,
    level: str | None,
    q: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Alliance)
    if not include_deleted:
        stmt = stmt.where(Alliance.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(Alliance.kind == kind)
    if level:
        stmt = stmt.where(Alliance.level == level)
    if q:
        stmt = stmt.where(Alliance.name.contains(q.strip(), autoescape=True))
    return await sync_page(session, stmt, Alliance, since=since, cursor=cursor, limit=limit)


# ---- writes --------------------------------------------------------------------------------------------------------
async def create_alliance(session: AsyncSession, *, data: AllianceCreate, actor: str) -> Alliance:
    await _check_lead_orgs(session, data.lead_org_ids)
    existing = (
        await session.execute(sa.select(Alliance.id).where(Alliance.name == data.name, Alliance.deleted_at.is_(None)))
    ).scalar_one_or_none()
    if existing is not None:
        raise _duplicate(existing_id=str(existing))
    stamp = now()
    _check_legal_person(data.legal_person_status.value, data.legal_person_registration_no)
    fields = {
        **data.model_dump(exclude={"recognitions", "region_code"}),
        "kind": data.kind.value,
        "level": data.level.value,
        "legal_person_status": data.legal_person_status.value,
    }
    a = Alliance(
        id=new_id(),
        **fields,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(a)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create of the same name won the unique index
        raise _duplicate() from exc
    await AUDIT.created(session, a, actor=actor)
    await write_recognitions(session, a, data.recognitions, actor=actor, bumped=True)
    return a


async def update_alliance(
    session: AsyncSession, *, alliance_id: uuid.UUID, changes: AllianceUpdate, if_match: str | None, actor: str
) -> Alliance:
    a = await get_alliance(session, alliance_id, for_update=True)
    check_if_match(if_match, a.version)
    data = changes.model_dump(exclude_unset=True, exclude={"region_code"})
    for key in ("name", "kind", "level", "entity_run", "legal_person_status"):
        if key in data and data[key] is None:
            raise field_error(["body", key], "not_null", "该字段不能为 null", "This field cannot be null")
    if data.get("lead_org_ids"):
        await _check_lead_orgs(session, data["lead_org_ids"])
    for key in ("lead_org_ids", "industry_focus"):
        if key in data and data[key] is None:
            data[key] = []
    status = data.get("legal_person_status", a.legal_person_status)
    _check_legal_person(
        getattr(status, "value", status), data.get("legal_person_registration_no", a.legal_person_registration_no)
    )
    recognitions = (changes.recognitions or []) if "recognitions" in data else None
    data.pop("recognitions", None)
    before = AUDIT.snapshot(a)
    for key, value in data.items():
        setattr(a, key, value.value if hasattr(value, "value") else value)
    try:
        bumped = await AUDIT.updated(session, a, actor=actor, before=before)
    except IntegrityError as exc:  # the new name is another live alliance's
        raise _duplicate() from exc
    await write_recognitions(session, a, recognitions, actor=actor, bumped=bumped)
    return a


# ---- recognitions: entries of the designation register (services/membership/designations/) ------------------------
async def recognitions_changed(session: AsyncSession, alliance_id: uuid.UUID) -> None:
    """An entry of the alliance changed in the register, so may its `recognitions`: a new version (ETag, sync)."""
    stmt = sa.update(Alliance).where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None))
    await session.execute(stmt.values(version=Alliance.version + 1, updated_at=now()))


async def write_recognitions(
    session: AsyncSession, a: Alliance, recognitions: list[Recognition] | None, *, actor: str, bumped: bool
) -> None:
    """Write the `recognitions` list given on a create or an update (None: not given) as register entries; when it
    changed and nothing else did, the alliance still gets a new version (its answer changed). A new alliance
    without recognitions has none to read (no query)."""
    if recognitions is None:
        return
    if not recognitions and a.version == 1 and "recognitions" not in sa.inspect(a).dict:
        set_committed_value(a, "recognitions", [])
        return
    items = [r.model_dump() for r in recognitions]
    changed = await designations.replace_listed(
        session, subject_kind="alliance", subject_id=a.id, items=items, actor=actor
    )
    if changed and not bumped:
        a.version += 1
        a.updated_at = now()
        await session.flush()
    await session.refresh(a, ["recognitions"])


async def delete_alliance(session: AsyncSession, *, alliance_id: uuid.UUID, if_match: str | None, actor: str) -> None:
    a = await get_alliance(session, alliance_id, for_update=True)
    check_if_match(if_match, a.version)
    before = AUDIT.snapshot(a)
    await soft_delete(session, a)
    await AUDIT.deleted(session, a, actor=actor, before=before)


# ---- published to the other nouns of the service (identity) ---------------------------------------------------
async def lock_if_live(session: AsyncSession, alliance_id: uuid.UUID) -> bool:
    """True when the alliance exists and is not deleted; its row then stays share-locked until the caller's commit,
    so it cannot be deleted while the caller writes something that names it (a grant, a key, an invitation)."""
    stmt = (
        sa.select(Alliance.id)
        .where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def is_live(session: AsyncSession, alliance_id: uuid.UUID) -> bool:
    """True when the alliance exists and is not deleted (no lock)."""
    stmt = sa.select(sa.exists().where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())
