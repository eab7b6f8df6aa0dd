"""Requests and answers of sessions: tokens, refresh, logout."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.membership.identity.fields import Secret


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


class LoggedOut(BaseModel):
    logged_out: bool = Field(description="Always true: the session of this token, if any, is ended")
