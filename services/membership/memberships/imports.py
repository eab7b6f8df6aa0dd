"""Spreadsheets of an alliance's member roll: import the roll (one row per member unit, with its dates),
build the import template, and export the roll as of a day in the same layout.

The organization columns and their rules are those of the organization import (`organizations.imports`):
a row's organization is matched by credit code, else by name + region, created when new and updated
otherwise (a blank cell never overwrites). The membership of a row is then recorded through the
membership service — an application on 申请日期, approval on 入会日期, an exit on 退出日期 — so every step is
a real event with its audit row and outbox event, and the lifecycle, date and one-chair rules hold.

Reading and writing workbooks is blocking work: callers run those functions in a thread. The import runs
in the caller's transaction, one SAVEPOINT per row; a rejected row touches nothing. The report never
echoes a cell value, only row numbers, fields and rules.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.dates import today
from chanjiao.errors import AppError, field_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, text_key
from services.membership.memberships import asof, service
from services.membership.memberships.models import OPEN, ROLE_LABELS, Membership
from services.membership.memberships.schemas import MemberAsOf, MembershipCreate, MembershipTransitionCreate
from services.membership.organizations import imports as org_imports
from services.membership.organizations.imports import Row
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.organizations.schemas_batch import OrganizationImportRejection

EXIT_LABELS = {"withdrawn": "退出", "expelled": "除名"}
STATUS_LABELS = {"active": "在册", "suspended": "暂停"}
IMPORT_REASON = "成员名册导入"

MEMBER_COLUMNS = (
    Column(
        "成员角色",
        "role",
        False,
        "理事长单位、副理事长单位、常务理事单位、理事单位、成员单位（或 chair、vice_chair、standing_director、"
        "director、member）；新成员留空即为成员单位",
    ),
    Column("申请日期", "applied_on", False, "YYYY-MM-DD；留空则与入会日期相同（都空则为今天）"),
    Column("入会日期", "joined_on", False, "YYYY-MM-DD；填写则当日批准入会（在册），留空则只记入会申请（待审批）"),
    Column("退出日期", "ended_on", False, "YYYY-MM-DD；历史成员的退出日期，须与退出方式同填"),
    Column("退出方式", "exit_status", False, "退出 或 除名（withdrawn / expelled），须与退出日期同填"),
)
COLUMNS = (*org_imports.COLUMNS, *MEMBER_COLUMNS)
_BY_FIELD = {c.field: c for c in COLUMNS}
_ORG_FIELDS = frozenset(c.field for c in org_imports.COLUMNS)
_DATE_FIELDS = ("applied_on", "joined_on", "ended_on")


def _role_aliases() -> dict[str, str]:
    aliases = {text_key(code): code for code in ROLE_LABELS}
    for code, label in ROLE_LABELS.items():
        aliases[text_key(label)] = code
        aliases[text_key(label.removesuffix("单位"))] = code  # 理事长, 副理事长, 常务理事, 理事, 成员
    aliases.update({text_key(k): v for k, v in {"会员单位": "member", "会员": "member"}.items()})
    return aliases


ROLE_ALIASES = _role_aliases()
EXIT_ALIASES = {text_key(code): code for code in EXIT_LABELS} | {
    text_key(label): code
    for label, code in (*((v, k) for k, v in EXIT_LABELS.items()), ("退会", "withdrawn"), ("自愿退出", "withdrawn"))
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class MemberImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    organizations_created: int
    organizations_updated: int = Field(description="Matched organizations whose non-blank cells changed something")
    memberships_created: int = Field(description="Memberships recorded as applications (and their approvals, exits)")
    memberships_invited: int = Field(
        description="Rows naming an existing organization the alliance did not register (or one its own org admin "
        "has claimed): an invitation (`invited`) was recorded, which the organization accepts or declines; the "
        "row's dates are not applied"
    )
    invited_rows: list[int] = Field(description="Row numbers of those invitations")
    skipped: int = Field(description="Rows whose membership is already recorded (nothing new for the roll)")
    rejected: list[OrganizationImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks (a row "
        "with three bad cells has three), in row order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


# ---- reading one row ------------------------------------------------------------------------------------
def parse_date(text: str) -> date | None:
    """2019-03-01, 2019/3/1, 2019.3.1, 2019年3月1日, 20190301, or a workbook date (2019-03-01T00:00:00)."""
    m = _DATE.match(text.strip()) or _COMPACT_DATE.match(text.strip())
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _member_values(row: Row, cells: dict[str, str], english: bool) -> dict[str, Any]:
    """The membership cells of a row, parsed and checked on their own (dates in order, not in the future)."""
    values: dict[str, Any] = {}
    if "role" in cells:
        role = ROLE_ALIASES.get(text_key(cells["role"]))
        if role is None:
            allowed = "、".join(ROLE_LABELS.values())
            row.reject(
                "role",
                "enum",
                f"Allowed roles: {', '.join(ROLE_LABELS)} (or {allowed})" if english else f"成员角色可填：{allowed}",
            )
        values["role"] = role
    for fld in _DATE_FIELDS:
        if fld not in cells:
            continue
        day = parse_date(cells[fld])
        if day is None:
            row.reject(fld, "date_format", "Write the date as YYYY-MM-DD" if english else "日期应写作 YYYY-MM-DD")
        elif day > today():
            row.reject(
                fld,
                "not_in_future",
                "The date cannot be after today (Asia/Shanghai)" if english else "日期不能晚于今天（北京时间）",
            )
        values[fld] = day
    if "exit_status" in cells:
        exit_status = EXIT_ALIASES.get(text_key(cells["exit_status"]))
        if exit_status is None:
            row.reject(
                "exit_status",
                "enum",
                "Allowed: withdrawn, expelled (or 退出, 除名)" if english else "退出方式可填：退出、除名",
            )
        values["exit_status"] = exit_status
    for fld, other in (("ended_on", "exit_status"), ("exit_status", "ended_on")):
        if fld in cells and other not in cells:
            row.reject(
                other,
                "missing",
                "退出日期 and 退出方式 are given together" if english else "退出日期与退出方式须同时填写",
            )
    applied, joined, ended = (values.get(f) for f in _DATE_FIELDS)
    if applied and joined and joined < applied:
        row.reject(
            "joined_on",
            "date_order",
            "The joining date is before the application date" if english else "入会日期不能早于申请日期",
        )
    start = joined or applied
    if start and ended and ended < start:
        row.reject(
            "ended_on",
            "date_order",
            "The exit date is before the joining (or application) date"
            if english
            else "退出日期不能早于入会日期（或申请日期）",
        )
    return values


async def _already_recorded(
    session: AsyncSession, row: Row, org_id: uuid.UUID, alliance_id: uuid.UUID, member: dict[str, Any], english: bool
) -> bool:
    """Whether the row's membership is already recorded (→ skipped). A conflicting one rejects the row."""
    where = (Membership.org_id == org_id, Membership.alliance_id == alliance_id)
    open_m = (
        await session.execute(sa.select(Membership.role).where(*where, Membership.status.in_(OPEN)))
    ).scalar_one_or_none()
    if member.get("exit_status"):
        same_period = (
            await session.execute(
                sa.select(Membership.id).where(
                    *where, Membership.status == member["exit_status"], Membership.ended_on == member["ended_on"]
                )
            )
        ).first()
        if same_period is not None:
            return True
        if open_m is not None:
            row.reject(
                None,
                "open_membership",
                "The organization has an open membership in this alliance: record its exit with a transition; an "
                "earlier, ended period must come before the current one in the file"
                if english
                else "该单位在本联盟已有未结束的成员资格：其退出请用状态变更记录；"
                "较早的已结束任期须排在当前任期之前导入",
            )
        return False
    if open_m is None:
        return False
    if member.get("role") in (None, open_m):
        return True
    row.reject(
        "role",
        "open_membership",
        "The organization already has an open membership here in another role; change roles with a transition or "
        "role-changes"
        if english
        else "该单位在本联盟已有未结束的成员资格且角色不同；角色变更请用状态变更或批量变更角色",
    )
    return False


def _reject_step(row: Row, exc: AppError, step: str, english: bool) -> None:
    """A membership-service error, named after the spreadsheet column of the step that raised it."""
    if exc.errors:
        for e in exc.errors:
            fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
            if fld not in _BY_FIELD:
                fld = step
            row.reject(fld, e.type, e.msg_en if english else e.msg_zh)
        return
    fld = "role" if exc.slug == "chair-taken" else exc.extra.get("field") or step
    detail = (exc.detail_en if english else exc.detail_zh) or (exc.title_en if english else exc.title_zh)
    row.reject(fld if fld in _BY_FIELD else None, exc.slug, detail)


async def _save_row(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    row: Row,
    existing: Organization | None,
    member: dict[str, Any],
    record_membership: bool,
    actor: str,
    english: bool,
    may_update: org_imports.MayUpdate | None = None,
    invite: bool = False,
) -> tuple[str, bool]:
    """The organization and then the membership, in one SAVEPOINT: (organization outcome, membership created)."""
    step = "name"
    try:
        async with session.begin_nested():
            org, org_outcome = await org_imports.save_organization(
                session, row.values, existing, actor=actor, may_update=may_update, registered_by=alliance_id
            )
            if not record_membership:
                return org_outcome, False
            if invite:  # the organization accepts or declines; the row's dates wait for it
                data = MembershipCreate(
                    org_id=org.id, alliance_id=alliance_id, role=member.get("role") or "member", reason=IMPORT_REASON
                )
                await service.create_membership(session, data=data, actor=actor, status="invited")
                return org_outcome, True
            step = "applied_on"
            applied_on = member.get("applied_on") or member.get("joined_on") or member.get("ended_on")
            m = await service.create_membership(
                session,
                data=MembershipCreate(
                    org_id=org.id,
                    alliance_id=alliance_id,
                    role=member.get("role") or "member",
                    applied_on=applied_on,
                    reason=IMPORT_REASON,
                ),
                actor=actor,
            )
            if member.get("joined_on"):
                step = "joined_on"
                data = MembershipTransitionCreate(to="active", effective_on=member["joined_on"], reason=IMPORT_REASON)
                await service.transition(session, membership_id=m.id, data=data, actor=actor)
            if member.get("exit_status"):
                step = "exit_status"
                data = MembershipTransitionCreate(
                    to=member["exit_status"], effective_on=member["ended_on"], reason=IMPORT_REASON
                )
                await service.transition(session, membership_id=m.id, data=data, actor=actor)
            return org_outcome, True
    except ValidationError as exc:
        org_imports.reject_validation(row, exc, english)
    except AppError as exc:
        if step == "name":
            org_imports.reject_app_error(row, exc, english)
        else:
            _reject_step(row, exc, step, english)
    return "rejected", False


async def run_import(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    table: Table,
    actor: str,
    english: bool,
    dry_run: bool,
    may_update: org_imports.MayUpdate | None = None,
    may_enrol: org_imports.MayUpdate | None = None,
) -> MemberImportReport:
    """Import the roll row by row. Runs in the caller's transaction; a dry run is the same work, rolled back
    by the caller. New organizations are registered by the alliance and start as its members; a matched one that
    `may_enrol` refuses (the alliance did not register it, or its own admin claimed it) gets an invitation."""
    report = MemberImportReport(
        dry_run=dry_run,
        rows=0,
        organizations_created=0,
        organizations_updated=0,
        memberships_created=0,
        memberships_invited=0,
        invited_rows=[],
        skipped=0,
        rejected=[],
        ignored_columns=table.ignored,
    )
    for number, values in table.rows:
        cells = table.cells(values)
        if not cells:
            continue
        report.rows += 1
        row = Row(number=number, columns=_BY_FIELD)
        org_cells = {f: t for f, t in cells.items() if f in _ORG_FIELDS}
        existing = await org_imports.match_organization(session, row, org_cells, english)
        member = _member_values(row, {f: t for f, t in cells.items() if f not in _ORG_FIELDS}, english)
        invite = False
        if not row.rejected and existing is not None:
            recorded = await _already_recorded(session, row, existing.id, alliance_id, member, english)
            invite = not recorded and may_enrol is not None and not await may_enrol(existing.id)
            if invite and member.get("exit_status"):
                row.reject(
                    "exit_status",
                    "consent_required",
                    "The alliance did not register this organization (or its own admin has claimed it): it becomes a "
                    "member only by accepting an invitation, so an ended period cannot be recorded for it"
                    if english
                    else "该单位非本联盟登记（或已由其管理员认领），须经其接受邀请方可入会，不能直接录入已结束的任期",
                )
        else:
            recorded = False
        if row.rejected:
            report.rejected += row.rejected
            continue
        org_outcome, created = await _save_row(
            session,
            alliance_id=alliance_id,
            row=row,
            existing=existing,
            member=member,
            record_membership=not recorded,
            actor=actor,
            may_update=may_update,
            english=english,
            invite=invite,
        )
        if row.rejected:
            report.rejected += row.rejected
            continue
        report.organizations_created += org_outcome == "created"
        report.organizations_updated += org_outcome == "updated"
        if invite and created:
            report.memberships_invited += 1
            report.invited_rows.append(number)
        else:
            report.memberships_created += created
        report.skipped += recorded
    return report


# ---- template ----------------------------------------------------------------------------------------
def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


NOTES = (
    "每行一个成员单位。单位按统一社会信用代码匹配（无代码时按单位名称 + 行政区划代码），新单位自动登记，已登记单位的"
    "非空单元格会更新单位信息（空单元格不覆盖）。",
    "入会记录按真实事件写入：申请日期记入会申请，入会日期记批准入会，退出日期 + 退出方式记退出或除名。",
    "该单位在本联盟已有未结束的成员资格时，该行记为“已存在”跳过；若成员角色不同则拒绝该行（规则 open_membership），"
    "角色变更请用状态变更或批量变更角色。",
    "已登记的单位若非本联盟登记，或已由其管理员认领，则该行只记一份入会邀请（待该单位接受），入会与退出日期不生效；"
    "此类单位的已结束任期不能导入（规则 consent_required）。",
    "每个联盟同一时间只能有一个理事长单位；历史成员（已退出的较早任期，含前任理事长单位）请排在现任成员之前。",
    "被拒绝的行不做任何修改；试运行（dry_run=true）只检查不保存。最多 10,000 行、5 MiB。",
)


def build_template() -> bytes:
    """Blocking: the import template — headings, drop-downs for 单位类型/成员角色/退出方式, and a 说明 sheet."""
    notes: list[list[str]] = []
    for title, labels in (
        ("成员角色可填", ROLE_LABELS),
        ("退出方式可填", EXIT_LABELS),
        ("单位类型可填", ORG_TYPE_LABELS),
    ):
        notes += [[], [title, "代码"], *([label, code] for code, label in labels.items())]
    notes += [[], ["说明"], *([line] for line in NOTES)]
    return spreadsheets.build_template(
        "成员",
        COLUMNS,
        choices={
            "org_type": list(dict.fromkeys(ORG_TYPE_LABELS.values())),
            "role": list(ROLE_LABELS.values()),
            "exit_status": list(EXIT_LABELS.values()),
        },
        notes=notes,
        widths={c.field: 36 if c.field == "name" else 16 if c.field in _DATE_FIELDS else 22 for c in COLUMNS},
        formats=dict.fromkeys(_DATE_FIELDS, "yyyy-mm-dd"),  # dates as dates; everything else as text
        freeze="B2",
        required="是（新单位）",
        notes_widths=(22, 22, 12, 80),
    )


# ---- export of the roll ------------------------------------------------------------------------------------
# The import reads the first columns back; 成员资格ID and 单位ID (ignored on import) join the roll to the JSON lists.
EXPORT_HEADINGS = [
    "单位名称",
    "单位类型",
    "行政区划代码",
    "统一社会信用代码",
    "成员角色",
    "状态",
    "入会日期",
    "成员资格ID",
    "单位ID",
]
_ROLE_RANK = {code: i for i, code in enumerate(ROLE_LABELS)}


async def roll(
    session: AsyncSession, *, alliance_id: uuid.UUID, as_of: date, role: str | None, org_type: str | None
) -> list[list[Any]]:
    """The members on `as_of` (same filters as the JSON list), by role then joining date, as export rows."""
    items, next_cursor = await asof.members_as_of(
        session,
        alliance_id=alliance_id,
        as_of=as_of,
        role=role,
        org_type=org_type,
        cursor=None,
        limit=org_imports.EXPORT_CAP,
    )
    if next_cursor is not None:
        raise field_error(
            ["header", "accept"],
            "export_too_large",
            f"导出最多 {org_imports.EXPORT_CAP} 行，请加筛选条件",
            f"An export holds at most {org_imports.EXPORT_CAP} rows; narrow the filters",
        )
    codes = await org_imports.credit_codes_of(session, {i.org_id for i in items})
    joined: dict[uuid.UUID, date | None] = {}
    if items:
        rows = await session.execute(
            sa.select(Membership.id, Membership.joined_on).where(Membership.id.in_([i.membership_id for i in items]))
        )
        joined = {r.id: r.joined_on for r in rows}

    def order(i: MemberAsOf) -> tuple[int, date, str]:
        return _ROLE_RANK[i.role.value], joined.get(i.membership_id) or date.max, i.org_name

    return [
        [
            i.org_name,
            ORG_TYPE_LABELS.get(i.org_type, i.org_type),
            i.region_code,
            codes.get(i.org_id),
            ROLE_LABELS[i.role.value],
            STATUS_LABELS.get(i.status.value, i.status.value),
            (d.isoformat() if (d := joined.get(i.membership_id)) else None),
            str(i.membership_id),
            str(i.org_id),
        ]
        for i in sorted(items, key=order)
    ]


def build_export(rows: list[list[Any]]) -> bytes:
    """Blocking: the roll in the import layout (every cell text, never a formula), so it can be imported back."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("成员")
    for pos, heading in enumerate(EXPORT_HEADINGS, start=1):
        ws.column_dimensions[get_column_letter(pos)].width = 36 if heading == "单位名称" else 20
    ws.append(EXPORT_HEADINGS)
    for values in rows:
        ws.append([org_imports.text_cell(ws, v) for v in values])
    return spreadsheets.save_workbook(wb)
