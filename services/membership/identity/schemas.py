"""Identity request/response models.

Secrets travel only in requests and in the shown-once fields of a few answers (`access_token`,
`refresh_token`, `key`, `invitation_token`, `reset_token`). Passwords are checked by the rules in
`passwords.py` (in the service, where the login is known), so a 422 names the rule."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from chanjiao.auth import SCOPES
from chanjiao.dates import AwareDatetime
from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_name
from services.membership.identity.models import OrgRole

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")


def _login(value: str) -> str:
    login = value.strip()
    if not _LOGIN.fullmatch(login.lower()):
        raise CodeError(
            "login_format",
            "登录名为 3–64 个字符：字母、数字及 . _ @ + -，以字母或数字开头",
            "A login is 3–64 characters: letters, digits and . _ @ + -, starting with a letter or digit",
        )
    return login


def _display_name(value: str) -> str:
    name = normalize_name(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if not 1 <= len(name) <= 50:
        raise CodeError("length", "显示名称长度应为 1–50 个字符", "A display name is 1–50 characters long")
    return name


def _scopes(values: list[str]) -> list[str]:
    unknown = [s for s in values if s not in SCOPES]
    if unknown:
        raise CodeError(
            "unknown_scope",
            f"未知的权限范围，可选：{', '.join(SCOPES)}",
            f"Unknown scope; choose from: {', '.join(SCOPES)}",
        )
    order = list(SCOPES)
    return sorted(set(values), key=order.index)


Login = Annotated[
    str,
    Field(
        min_length=3,
        max_length=200,
        description="登录名: 3–64 characters, letters, digits and . _ @ + - (case-insensitive)",
    ),
    AfterValidator(_login),
]
DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=200, description="显示名称 (1–50 characters)", examples=["王建华"]),
    AfterValidator(_display_name),
]
PASSWORD_RULES = "10–128 characters; must not contain the login, be a common password or repeat one character"
Password = Annotated[str, Field(min_length=10, max_length=1024, description=f"密码 — {PASSWORD_RULES}")]
Secret = Annotated[str, Field(min_length=1, max_length=512)]
ScopeList = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=len(SCOPES),
        description="Scopes of the key, a non-empty subset of: " + ", ".join(SCOPES),
        examples=[["membership:read", "training:write"]],
    ),
    AfterValidator(_scopes),
]


# ---- tokens -----------------------------------------------------------------------------------
class TokenResponse(BaseModel):
    access_token: str = Field(description="Ed25519-signed JWT; send as `Authorization: Bearer …`")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token lives")
    refresh_token: str = Field(description="Opaque, rotating: each use returns a new one; keep only the latest")
    refresh_expires_in: int = Field(description="Seconds the refresh token lives unless used or revoked")
    scope: str = Field(description="Granted scopes, space-separated")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"refresh_token": "cjr_…"}]})
    refresh_token: Secret


class IntrospectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"api_key": "cjk_…"}]})
    api_key: str = Field(max_length=512, description="The key exactly as the client sent it in `X-API-Key`")


class PrincipalOut(BaseModel):
    kind: Literal["api_key"]
    subject: str
    org_id: str | None
    roles: list[str]
    scopes: list[str]
    alliances: list[str]


class IntrospectResponse(BaseModel):
    active: bool
    principal: PrincipalOut | None = Field(default=None, description="Present only when active")
    expires_at: datetime | None = Field(default=None, description="Present (possibly null) only when active")


# ---- accounts ---------------------------------------------------------------------------------
class ClaimRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"invitation_token": "cji_…", "login": "wang.jianhua", "password": "…", "display_name": "王建华"}
            ]
        },
    )
    invitation_token: Secret
    login: Login
    password: Password
    display_name: DisplayName | None = Field(
        default=None, description="For a new account; defaults to the invitation's name, else the login"
    )


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


class LoggedOut(BaseModel):
    logged_out: bool = Field(description="Always true: the session of this token, if any, is ended")


class PasswordChanged(BaseModel):
    user_id: uuid.UUID
    login: str = Field(description="The login to use with the new password")
    password_changed_at: datetime
    sessions_ended: int = Field(description="How many sessions (refresh-token families) were ended")


class InvitationCreate(BaseModel):
    """Either `org_id` + `role` (a member of an organization) or `alliance_id` (an alliance admin)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "role": "org_admin", "display_name": "王建华"},
                {"alliance_id": "019abf2d-1111-7abc-8def-0123456789ab", "display_name": "联盟秘书处"},
            ]
        },
    )
    org_id: uuid.UUID | None = None
    role: OrgRole | None = Field(default=None, description="With `org_id`: org_admin 单位管理员 | org_staff 工作人员")
    alliance_id: uuid.UUID | None = None
    display_name: DisplayName | None = None

    @model_validator(mode="after")
    def _one_target(self) -> InvitationCreate:
        if (self.org_id is None) == (self.alliance_id is None):
            raise CodeError(
                "one_target", "org_id 与 alliance_id 须且只须给一个", "Give exactly one of org_id and alliance_id"
            )
        if self.org_id is not None and self.role is None:
            raise CodeError("role_required", "给出 org_id 时须给出 role", "role is required with org_id")
        if self.alliance_id is not None and self.role is not None:
            raise CodeError("role_without_org", "role 只能与 org_id 一起给出", "role goes with org_id only")
        return self


class InvitationCreated(BaseModel):
    id: uuid.UUID
    invitation_token: str = Field(description="Shown once: hand it to the invitee (no mail is sent)")
    expires_at: datetime
    org_id: uuid.UUID | None
    role: OrgRole | None
    alliance_id: uuid.UUID | None
    display_name: str | None


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


class GrantCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"alliance_id": "019abf2d-1111-7abc-8def-0123456789ab"}]}
    )
    alliance_id: uuid.UUID


class GrantPublic(BaseModel):
    user_id: uuid.UUID
    alliance_id: uuid.UUID
    granted_at: datetime
    granted_by: str


# ---- API keys ---------------------------------------------------------------------------------
class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "教务系统对接",
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "scopes": ["membership:read", "training:write"],
                    "expires_at": "2027-12-31T00:00:00+08:00",
                }
            ]
        },
    )
    name: DisplayName
    org_id: uuid.UUID | None = None
    alliance_id: uuid.UUID | None = None
    scopes: ScopeList
    expires_at: AwareDatetime | None = Field(default=None, description="Optional; must be in the future")

    @model_validator(mode="after")
    def _one_owner(self) -> ApiKeyCreate:
        if (self.org_id is None) == (self.alliance_id is None):
            raise CodeError(
                "one_target", "org_id 与 alliance_id 须且只须给一个", "Give exactly one of org_id and alliance_id"
            )
        return self


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    org_id: uuid.UUID | None
    alliance_id: uuid.UUID | None
    scopes: list[str]
    prefix: str = Field(description="The key's first characters, to recognise it; the key itself is not kept")
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Updated at most once a minute")
    active: bool


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown once: send it as `X-API-Key`. It cannot be read again")


class ApiKeyPage(Page[ApiKeyPublic]):
    pass


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
