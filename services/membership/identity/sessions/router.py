"""`/v1/auth/token`, `/refresh`, `/logout`, `/jwks` — logins, sessions and the public key of access tokens.

Thin endpoints: resolve dependencies, call one service function, commit once. The other `/v1/auth` routes
belong to the noun they act on: introspection to `api_keys/`, claiming an invitation to `invitations/`,
password reset and first-start setup to `users/`."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import allow
from chanjiao.errors import BadRequest, problem_responses
from services.membership.identity.fields import dump
from services.membership.identity.runtime import IdentityDep
from services.membership.identity.sessions import service as sessions
from services.membership.identity.sessions.schemas import LoggedOut, RefreshRequest, TokenResponse
from services.membership.identity.throttle import client_address
from services.membership.identity.users import service as users

router = APIRouter(prefix="/v1/auth", tags=["auth"])

PUBLIC = allow(public=True)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

TOKEN_EXAMPLE = {
    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjNmMmE…",
    "token_type": "bearer",
    "expires_in": 900,
    "refresh_token": "cjr_q3L9…",
    "refresh_expires_in": 2592000,
    "scope": "membership:read membership:write training:read training:write matching:read matching:write",
}
LOCKOUT = (
    "Throttling (checked before any password hashing; unknown logins alike): after 5 failures for one login from "
    "one client address within 15 minutes, that address waits 1 s, 2 s, 4 s … (up to 60 s) after each further "
    "failure — 429 with `Retry-After`; other addresses are not slowed. After 100 failures for one login within an "
    "hour, only addresses that logged in to it successfully in the last 30 days may try (429 for the others). A "
    "success clears its address's count."
)


def _tokens(tokens: TokenResponse) -> JSONResponse:
    return JSONResponse(dump(tokens), headers=NO_STORE)


@router.post(
    "/token",
    response_model=TokenResponse,
    dependencies=[PUBLIC],
    summary="登录或刷新令牌 OAuth2 token endpoint",
    description="OAuth2 令牌端点（表单提交）：用登录名和密码开始会话，得到访问令牌（15 分钟）和轮换的刷新令牌，"
    "或用刷新令牌续期；登录名或密码错误、账号停用、登录名不存在一律返回 400 `invalid_grant`，"
    "同一登录名多次失败后按客户端地址限流（429）。\n\n"
    "Form-encoded (`application/x-www-form-urlencoded`), as OAuth2 clients and Swagger UI's "
    "Authorize button send it.\n\n"
    "- `grant_type=password&username=<login>&password=<password>[&scope=<space-separated scopes>]` starts a "
    "session: an access JWT (Ed25519, 15 min; verify it with `GET /v1/auth/jwks`) and a rotating refresh "
    "token. `scope` narrows what the access token carries.\n"
    "- `grant_type=refresh_token&refresh_token=<token>` continues it (same as `POST /v1/auth/refresh`).\n\n"
    "Other fields (`client_id`, `client_secret`) are accepted and ignored. Errors are problem+json that also "
    "carry OAuth's `error` and `error_description` members (RFC 6749 §5.2), so OAuth client libraries read "
    "them: a wrong login or password, a disabled account and an unknown login all answer the same **400** "
    "`error: invalid_grant` (type `urn:chanjiao:problem:invalid-grant`), as does a refresh token that is "
    "unknown, spent, revoked or expired; `invalid_request`, `invalid_scope` and `unsupported_grant_type` are "
    "400 too. A refresh token re-presented within `refresh_reuse_grace_seconds` (60 s) of its rotation answers "
    "the same pair again (see `POST /v1/auth/refresh`). A refresh grant in a small form body (≤ 4 KiB) is "
    "rate-limited like `POST /v1/auth/refresh` (its own generous per-address bucket), not as a login. " + LOCKOUT,
    responses={
        200: {"content": {"application/json": {"example": TOKEN_EXAMPLE}}},
        **problem_responses(400, 401, 422),
        429: {"description": "登录失败次数过多 Throttled; see `Retry-After`"},
    },
)
async def token(
    request: Request,
    session: SessionDep,
    ident: IdentityDep,
    grant_type: Annotated[str, Form(description="`password` or `refresh_token`")],
    username: Annotated[str | None, Form(max_length=200)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
    scope: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    if grant_type == "password":
        if not username or password is None:
            raise BadRequest(
                detail_zh="password 授权需要 username 和 password",
                detail_en="The password grant needs username and password",
                extra={"error": "invalid_request"},
            )
        try:
            result = await sessions.password_grant(
                session, ident, login=username, password=password, scope=scope, client=client_address(request)
            )
        except users.InvalidCredentials as wrong:
            raise sessions.InvalidGrantRequest.of(wrong) from None
    elif grant_type == "refresh_token":
        try:
            result = await sessions.refresh_grant(session, ident, refresh_token=refresh_token)
        except sessions.InvalidGrant as dead:
            raise sessions.InvalidGrantRequest.of(dead) from None
    else:
        raise sessions.UnsupportedGrant(
            detail_zh="grant_type 应为 password 或 refresh_token",
            detail_en="grant_type must be password or refresh_token",
            extra={"error": "unsupported_grant_type"},
        )
    await session.commit()
    return _tokens(result)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    dependencies=[PUBLIC],
    summary="刷新令牌 Refresh a session",
    description="用刷新令牌换取新的访问令牌和新的刷新令牌（轮换：只保留新的）；"
    "60 秒宽限期内重发同一刷新令牌得到同一对令牌，超出宽限期再用已用过或已撤销的刷新令牌会结束整个会话。"
    "未知、过期或账号已停用的令牌返回 401。\n\n"
    "Trades a refresh token for a new access token and a new refresh token (rotation: keep only "
    "the new one). **Grace window:** sending the same refresh token again within 60 s "
    "(`refresh_reuse_grace_seconds`) of its rotation — a retry after a lost answer, or two refreshes in "
    "parallel — answers the same pair again (`expires_in` counted down), as long as the new refresh token "
    "has not been used. Outside the window, or after the new token was used, presenting a spent or revoked "
    "refresh token ends the whole session (every token of its family), since someone else may hold a copy: "
    "log in again. Expired, unknown and disabled accounts' tokens are 401 of type "
    "`urn:chanjiao:problem:invalid-grant` (`error: invalid_grant`) — not `invalid-token`, which tells an app "
    "to refresh. Rate-limited per client address in its own generous bucket (not the login bucket), so a "
    "campus or carrier NAT does not throttle refreshes.",
    responses={200: {"content": {"application/json": {"example": TOKEN_EXAMPLE}}}, **problem_responses(401, 422)},
)
async def refresh(body: RefreshRequest, session: SessionDep, ident: IdentityDep) -> Response:
    result = await sessions.refresh_grant(session, ident, refresh_token=body.refresh_token)
    await session.commit()
    return _tokens(result)


@router.post(
    "/logout",
    response_model=LoggedOut,
    dependencies=[PUBLIC],
    summary="退出登录 Log out",
    description="结束此刷新令牌所属的会话（整个令牌族）；令牌未知或已结束也总是返回 200。"
    "当前访问令牌在过期前（最多 15 分钟）仍然有效。\n\n"
    "Ends the session of this refresh token (its whole family). Always 200 `{logged_out: true}`, "
    "also for an unknown or already ended token (RFC 7009). The current access token stays valid until it "
    "expires (at most 15 minutes).",
    responses={200: {"content": {"application/json": {"example": {"logged_out": True}}}}, **problem_responses(422)},
)
async def logout(body: RefreshRequest, session: SessionDep) -> LoggedOut:
    await sessions.logout(session, refresh_token=body.refresh_token)
    await session.commit()
    return LoggedOut(logged_out=True)


@router.get(
    "/jwks",
    dependencies=[PUBLIC],
    summary="令牌公钥 Public keys of access tokens (JWKS)",
    description="验证访问令牌所用的 Ed25519 公钥（对应令牌头中的 `kid`），公开可读；"
    "网关和任何客户端都可以用它在本地验证令牌。\n\n"
    "The Ed25519 public key(s) that verify access tokens (`kid` in the token header). The gateway "
    "verifies tokens locally with them; so can any client.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "keys": [
                            {
                                "kty": "OKP",
                                "crv": "Ed25519",
                                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                                "kid": "3f2a9c1d0b8e7f65",
                                "alg": "EdDSA",
                                "use": "sig",
                            }
                        ]
                    }
                }
            }
        }
    },
)
async def jwks(ident: IdentityDep) -> JSONResponse:
    return JSONResponse(ident.issuer.jwks(), headers={"Cache-Control": "public, max-age=300"})
