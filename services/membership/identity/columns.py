"""Column helpers and the enums shared by the identity tables (each noun's `models.py` uses them)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


class OrgRole(StrEnum):
    org_admin = "org_admin"  # 单位管理员
    org_staff = "org_staff"  # 单位工作人员


def check_in(column: str, enum: type[StrEnum], nullable: bool = False) -> sa.CheckConstraint:
    cond = f"{column} in ({', '.join(repr(v.value) for v in enum)})"
    return sa.CheckConstraint(f"{column} is null or {cond}" if nullable else cond, name=column)


def timestamp(nullable: bool = True, *, now: bool = False) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, server_default=sa.func.now() if now else None)
