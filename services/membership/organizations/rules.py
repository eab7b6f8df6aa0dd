"""Organization rules that every write checks: a region only in China, unique credit code (or name + region), a
parent that closes no loop, a sponsor only on schools. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, field_error
from services.membership.organizations.models import HOME_COUNTRY, SCHOOL_TYPES, Organization

# Transaction-level advisory lock taken by every change of a `parent_id`, so two concurrent moves
# cannot each pass the cycle check and close a loop together.
_HIERARCHY_LOCK = 0x6F7267_70617265  # "org" "pare"
_MAX_DEPTH = 1000


class DuplicateOrganization(Conflict):
    slug = "duplicate-organization"
    title_zh, title_en = "单位已存在", "Organization already exists"


class HierarchyCycle(Conflict):
    slug = "organization-hierarchy-cycle"
    title_zh, title_en = "上级单位形成循环", "Parent would create a cycle"


def check_country(country_code: str, region_code: str | None, credit_code: str | None) -> None:
    """In China a region code is required; a foreign organization has neither a region code nor a credit code."""
    if country_code == HOME_COUNTRY:
        if region_code is None:
            raise field_error(
                ["body", "region_code"],
                "required",
                "中国境内单位须填写行政区划代码",
                "Required for an organization in China",
            )
        return
    for field, value in (("region_code", region_code), ("credit_code", credit_code)):
        if value is not None:
            raise field_error(
                ["body", field],
                "foreign_organization",
                "境外单位没有行政区划代码和统一社会信用代码",
                "A foreign organization has no Chinese region code nor credit code",
            )


async def check_unique(
    session: AsyncSession,
    *,
    name: str,
    region_code: str | None,
    credit_code: str | None,
    country_code: str = HOME_COUNTRY,
    exclude: uuid.UUID | None = None,
) -> None:
    live = Organization.deleted_at.is_(None)
    if credit_code is not None:
        cond = sa.and_(live, Organization.credit_code == credit_code)
        zh, en, field = "统一社会信用代码已被另一单位使用", "Another organization has this credit code", "credit_code"
    else:
        place = sa.func.coalesce(Organization.region_code, Organization.country_code)
        cond = sa.and_(
            live, Organization.credit_code.is_(None), Organization.name == name, place == (region_code or country_code)
        )
        zh, en, field = "同一地区已有同名单位", "An organization with this name exists in this region", "name"
    if exclude is not None:
        cond = sa.and_(cond, Organization.id != exclude)
    existing = (await session.execute(sa.select(Organization.id).where(cond).limit(1))).scalar_one_or_none()
    if existing is not None:
        raise DuplicateOrganization(detail_zh=zh, detail_en=en, extra={"existing_id": str(existing), "field": field})


@contextmanager
def unique() -> Iterator[None]:
    """The partial unique indexes decide races the pre-check could not see (their error comes at the flush)."""
    try:
        yield
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


async def check_links(
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
