"""Organization rules: create, read, list, update, soft delete — each leaving an audit row and an
outbox event in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import outbox
from chanjiao.audit import write_audit
from chanjiao.errors import Conflict, NotFound
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.pagination import keyset, page_of
from chanjiao.validators import cjk_bigrams
from services.membership.db import kernel
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.organizations.schemas import (
    OrganizationCreate,
    OrganizationPublic,
    OrganizationTombstone,
    OrganizationUpdate,
)
from services.membership.reference import service as reference

AUDITED = ("name", "org_type", "region_code", "credit_code", "industry_codes", "status")


class OrganizationNotFound(NotFound):
    slug = "organization-not-found"
    title_zh, title_en = "单位不存在", "Organization not found"


class DuplicateOrganization(Conflict):
    slug = "duplicate-organization"
    title_zh, title_en = "单位已存在", "Organization already exists"


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
    await write_audit(
        session,
        kernel.audit,
        entity="organization",
        entity_id=org.id,
        action=action,
        actor=actor,
        before=before,
        after=after,
    )
    await outbox.emit(
        session,
        kernel.outbox,
        type=f"organization.{action}d",
        aggregate_type="organization",
        aggregate_id=org.id,
        actor=actor,
        payload={"id": org.id, **payload},
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


async def create_organization(session: AsyncSession, *, data: OrganizationCreate, actor: str) -> Organization:
    await _check_unique(session, name=data.name, region_code=data.region_code, credit_code=data.credit_code)
    now = datetime.now(UTC)
    org = Organization(
        id=new_id(),
        name=data.name,
        name_bigrams=cjk_bigrams(data.name),
        org_type=data.org_type.value,
        region_code=data.region_code,
        credit_code=data.credit_code,
        industry_codes=data.industry_codes,
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
    updated_since: datetime | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Organization], str | None]:
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
    if updated_since is not None:
        stmt = stmt.where(Organization.updated_at > updated_since)
        columns = [Organization.updated_at, Organization.id]
    else:
        columns = [Organization.id]
    rows = (await session.execute(keyset(stmt, columns, cursor, limit))).scalars().all()
    key = (lambda o: (o.updated_at, o.id)) if updated_since is not None else (lambda o: (o.id,))
    return page_of(rows, limit, key)


async def update_organization(
    session: AsyncSession, *, org_id: uuid.UUID, changes: OrganizationUpdate, if_match: str | None, actor: str
) -> Organization:
    org = await get_organization(session, org_id, for_update=True)
    check_if_match(if_match, org.version)
    data = changes.model_dump(exclude_unset=True)
    before = _snapshot(org)
    new_values = {**before, **{k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}}
    if new_values == before:
        return org
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
    before = _snapshot(org)
    now = datetime.now(UTC)
    org.deleted_at = now
    org.updated_at = now
    org.version += 1
    await session.flush()
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
                status=o.status,
                version=o.version,
                created_at=o.created_at,
                updated_at=o.updated_at,
            )
        )
    return out
