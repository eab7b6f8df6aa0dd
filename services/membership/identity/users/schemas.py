"""Requests and answers of users: the caller's account, account administration, password changes and resets,
the first platform admin."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.pagination import Page
from services.membership.identity.columns import OrgRole
from services.membership.identity.fields import DisplayName, Login, Password, Secret

USER_EXAMPLE = {
    "id": "019abf40-2b3c-7d4e-8f50-6172839a4b5c",
    "login": "wang.jianhua",
    "display_name": "王建华",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "org_role": "org_admin",
    "is_platform_admin": False,
    "alliances": [],
    "disabled_at": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
PASSWORD_CHANGED_EXAMPLE = {
    "user_id": "019abf40-2b3c-7d4e-8f50-6172839a4b5c",
    "login": "wang.jianhua",
    "password_changed_at": "2026-11-25T09:30:00+00:00",
    "sessions_ended": 2,
}


class SetupRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"setup_token": "cjs_…", "login": "admin", "password": "…", "display_name": "平台管理员"}]
        },
    )
    setup_token: Secret
    login: Login
    password: Password
    display_name: DisplayName


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reset_token": "cjp_…", "new_password": "…"}]}
    )
    reset_token: Secret
    new_password: Password


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"current_password": "…", "new_password": "…", "refresh_token": "cjr_…"}]},
    )
    current_password: str = Field(max_length=1024)
    new_password: Password
    refresh_token: Secret | None = Field(
        default=None, description="This device's refresh token: its session is kept, every other one is ended"
    )


class PasswordChanged(BaseModel):
    user_id: uuid.UUID
    login: str = Field(description="The login to use with the new password")
    password_changed_at: datetime
    sessions_ended: int = Field(description="How many sessions (refresh-token families) were ended")


class ResetCreated(BaseModel):
    user_id: uuid.UUID
    reset_token: str = Field(description="Shown once: hand it to the user (no mail is sent)")
    expires_at: datetime


class UserPublic(BaseModel):
    id: uuid.UUID
    login: str
    display_name: str
    org_id: uuid.UUID | None
    org_role: OrgRole | None
    is_platform_admin: bool
    alliances: list[uuid.UUID] = Field(description="Alliances this user administers (live grants)")
    disabled_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class UserPage(Page[UserPublic]):
    pass


class OrgRef(BaseModel):
    id: uuid.UUID
    name: str


class Me(BaseModel):
    id: uuid.UUID
    login: str
    display_name: str
    org: OrgRef | None
    org_role: OrgRole | None
    roles: list[str]
    alliances: list[uuid.UUID]
    scopes: list[str]
    is_platform_admin: bool
