"""`POST /v1/users/invitations` (making an invitation) and `POST /v1/auth/claim` (redeeming it).

Thin endpoints: resolve dependencies, call one service function, commit once. Making an invitation takes no
`Idempotency-Key`: a replay would have to store the token."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, PrincipalDep, allow
from chanjiao.errors import problem_responses
from services.membership.identity.fields import PASSWORD_RULES, dump
from services.membership.identity.invitations import service as invitations
from services.membership.identity.invitations.schemas import ClaimRequest, InvitationCreate, InvitationCreated
from services.membership.identity.runtime import IdentityDep
from services.membership.identity.throttle import client_address
from services.membership.identity.users import accounts
from services.membership.identity.users.schemas import USER_EXAMPLE, UserPublic

router = APIRouter(prefix="/v1/users", tags=["users"])
auth_routes = APIRouter(prefix="/v1/auth", tags=["auth"])

WRITE = ("membership:write",)
NO_STORE = {"Cache-Control": "no-store"}
PUBLIC = allow(public=True)


@router.post(
    "/invitations",
    status_code=201,
    response_model=InvitationCreated,
    dependencies=[allow(kinds=("user",), roles=(ORG_ADMIN, "alliance_admin"), scopes=WRITE, tenant="organization")],
    summary="邀请用户 Invite a user",
    description="生成一次性邀请令牌，只返回一次且不会发送给任何人：由邀请人转交，受邀人须在 7 天内用 "
    "`POST /v1/auth/claim` 兑现。可邀请单位成员（平台管理员不限单位；单位管理员邀请本单位的单位管理员和工作人员；"
    "联盟管理员只能在本联盟成员单位尚无启用的单位管理员时邀请其首位单位管理员）或联盟管理员（仅平台管理员）；"
    "调用令牌须持有该角色的全部权限范围。\n\n"
    "Creates a one-time invitation token, answered **once** (`invitation_token`); it is not sent "
    "anywhere — hand it to the invitee, who redeems it with `POST /v1/auth/claim` within "
    "`invitation_ttl_hours` (7 days).\n\n"
    "- `{org_id, role}`: a member of an organization. A platform admin invites anyone; an org_admin invites "
    "org_admins and org_staff of its own organization; an alliance admin invites the **first** org_admin of an "
    "organization that has a membership (any status) in its alliance, only while the organization has no "
    "active org_admin (else 403) — from then on that org_admin invites the others.\n"
    "- `{alliance_id}`: an alliance admin (its secretariat); platform admins only.\n\n"
    "Another organization → 403. The invitee will log in with every scope of the role, so the calling token must "
    "hold all of them (a login narrowed with `scope=` cannot invite: 403 `scope-ceiling` naming the missing "
    "scopes).",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "id": "019abf41-0a1b-7c2d-8e3f-405162738495",
                        "invitation_token": "cji_Yk3…",
                        "expires_at": "2026-12-02T08:00:00+00:00",
                        "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                        "role": "org_admin",
                        "alliance_id": None,
                        "display_name": "王建华",
                    }
                }
            }
        },
        **problem_responses(401, 403, 422),
    },
)
async def create_invitation(
    body: InvitationCreate, session: SessionDep, principal: PrincipalDep, ident: IdentityDep
) -> Response:
    row, secret = await invitations.create_invitation(session, ident, principal, body)
    out = InvitationCreated(
        id=row.id,
        invitation_token=secret,
        expires_at=row.expires_at,
        org_id=row.org_id,
        role=row.org_role,  # type: ignore[arg-type]
        alliance_id=row.alliance_id,
        display_name=row.display_name,
    )
    await session.commit()
    return JSONResponse(dump(out), status_code=201, headers=NO_STORE)


@auth_routes.post(
    "/claim",
    status_code=201,
    response_model=UserPublic,
    dependencies=[PUBLIC],
    summary="接受邀请 Claim an invitation",
    description="兑现邀请令牌（由邀请人转交，不发邮件）：新登录名以所给密码创建账号；已有的登录名须提供当前密码，"
    "随后加入单位（已属于某个单位则返回 409）或获得联盟管理员授权。令牌只能用一次，未知、已用或过期返回 401。\n\n"
    "Redeems an invitation token (`POST /v1/users/invitations`; handed over by the inviter, no mail "
    "is sent). A new `login` creates the account with `password` (" + PASSWORD_RULES + "). An existing login "
    "must give its current password: it then joins the organization (409 if it already belongs to one — a "
    "user belongs to at most one organization) or receives the alliance grant. The token works once; unknown, "
    "used or expired → 401. Then log in with `POST /v1/auth/token`.",
    responses={
        201: {"content": {"application/json": {"example": USER_EXAMPLE}}},
        **problem_responses(401, 409, 422),
        429: {"description": "Throttled (existing login, wrong password too often); see `Retry-After`"},
    },
)
async def claim(body: ClaimRequest, request: Request, session: SessionDep, ident: IdentityDep) -> Response:
    user = await invitations.claim(session, ident, body, client=client_address(request))
    public = (await accounts.render(session, [user]))[0]
    await session.commit()
    return JSONResponse(dump(public), status_code=201, headers={"Location": f"/v1/users/{user.id}"})
