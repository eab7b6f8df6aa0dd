"""Authorisation scenarios of the identity routes (membership: /v1/auth, /v1/users, /v1/api-keys).

Who may (services/membership/identity): logins, refresh, logout, claims, resets and setup are public (the
secret in the body is the credential); introspection is the gateway's (service principal with
`identity:introspect`); everything else needs a *user* — an API key cannot mint keys or manage people.
Org_admins manage their own organization's users and keys, alliance admins their alliance's keys and the
first org_admin of their members, platform admins everything (alliance grants only they). Reads declare
`membership:read`, writes `membership:write` (the caller's own account needs none); and scopes are a ceiling:
a session narrowed at login creates no key, invitation or reset token wider than itself (403)."""

from __future__ import annotations

import uuid

from chanjiao.auth import ALL_SCOPES, Principal
from services.membership.identity import bootstrap as identity
from services.membership.identity.runtime import identity_of
from tests.authz.harness import Case, Req, World, private_read, scenario


def _password() -> str:
    return f"Matrix-{uuid.uuid4().hex[:12]}"


async def _user(w: World, org: dict, role: str = "org_staff") -> dict:
    """A real, claimed user of `org`: {login, password, id, principal}."""
    invitation = await w.admin_post("/v1/users/invitations", {"org_id": org["id"], "role": role})
    login, password = f"matrix.{uuid.uuid4().hex[:8]}", _password()
    body = {"invitation_token": invitation["invitation_token"], "login": login, "password": password}
    r = await w.send(None, Req("POST", "/v1/auth/claim", json={**body, "display_name": "矩阵用户"}))
    assert r.status_code == 201, r.text
    user = r.json()
    principal = Principal(kind="user", subject=user["id"], org_id=org["id"], roles=(role,), scopes=ALL_SCOPES)
    return {"login": login, "password": password, "id": user["id"], "principal": principal}


async def _refresh_token(w: World, user: dict) -> str:
    form = {"grant_type": "password", "username": user["login"], "password": user["password"]}
    r = await w.send(None, Req("POST", "/v1/auth/token", data=form))
    assert r.status_code == 200, r.text
    return r.json()["refresh_token"]


async def _org_key(w: World, org: dict) -> dict:
    return await w.admin_post("/v1/api-keys", {"name": "矩阵密钥", "org_id": org["id"], "scopes": ["membership:read"]})


def _key_outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
        "wrong_role": [w.org_staff(w.org_a), w.org_key(w.org_a), w.alliance_key(w.alliance_x), w.service("training")],
    }


def _user_outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_admin(w.org_b)],
        "wrong_role": [w.org_staff(w.org_a), w.org_key(w.org_a), w.alliance_admin(w.alliance_x)],
    }


# ---- /v1/auth (public: the secret in the request is the credential) ------------------------------------------
@scenario("POST", "/v1/auth/token")
async def token(w: World) -> Case:
    user = await _user(w, w.org_a)
    form = {"grant_type": "password", "username": user["login"], "password": user["password"], "client_id": "x"}
    return Case(Req("POST", "/v1/auth/token", data=form), right=None, public=True, expect=200)


@scenario("POST", "/v1/auth/refresh")
async def refresh(w: World) -> Case:
    token = await _refresh_token(w, await _user(w, w.org_a))
    return Case(Req("POST", "/v1/auth/refresh", json={"refresh_token": token}), right=None, public=True, expect=200)


@scenario("POST", "/v1/auth/logout")
async def logout(w: World) -> Case:
    token = await _refresh_token(w, await _user(w, w.org_a))
    return Case(Req("POST", "/v1/auth/logout", json={"refresh_token": token}), right=None, public=True, expect=200)


@scenario("POST", "/v1/auth/claim")
async def claim(w: World) -> Case:
    invitation = await w.admin_post("/v1/users/invitations", {"org_id": w.org_b["id"], "role": "org_staff"})
    body = {
        "invitation_token": invitation["invitation_token"],
        "login": f"matrix.{uuid.uuid4().hex[:8]}",
        "password": _password(),
        "display_name": "矩阵用户",
    }
    return Case(Req("POST", "/v1/auth/claim", json=body), right=None, public=True, expect=201)


@scenario("POST", "/v1/auth/password-reset")
async def password_reset(w: World) -> Case:
    user = await _user(w, w.org_a)
    reset = await w.admin_post(f"/v1/users/{user['id']}/password-reset")
    body = {"reset_token": reset["reset_token"], "new_password": _password()}
    return Case(Req("POST", "/v1/auth/password-reset", json=body), right=None, public=True, expect=200)


@scenario("POST", "/v1/auth/setup")
async def setup(w: World) -> Case:
    # The matrix's platform admin is a token, not a stored user, so the database has no platform admin yet:
    # issue a setup token as a first start would (it is printed there; here we take it directly).
    app = w.platform.apps["membership"]
    async with app.state.sessionmaker() as session:
        secret = await identity.bootstrap(session, identity_of(app))
        await session.commit()
    assert secret is not None
    body = {
        "setup_token": secret,
        "login": f"root.{uuid.uuid4().hex[:6]}",
        "password": _password(),
        "display_name": "平台",
    }
    return Case(Req("POST", "/v1/auth/setup", json=body), right=None, public=True, expect=201)


@scenario("POST", "/v1/auth/introspect")
async def introspect(w: World) -> Case:
    key = await _org_key(w, w.org_a)

    def check(r) -> None:
        assert r.json()["active"] is True and r.json()["principal"]["org_id"] == w.org_a["id"], r.text

    return Case(
        Req("POST", "/v1/auth/introspect", json={"api_key": key["key"]}),
        right=w.service("gateway"),
        wrong_role=[w.service("training"), w.platform_admin, w.org_admin(w.org_a), w.org_key(w.org_a)],
        expect=200,
        check=check,
    )


# ---- /v1/users ---------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/users/me/password")
async def change_password(w: World) -> Case:
    me, someone = await _user(w, w.org_a), await _user(w, w.org_a)
    body = {"current_password": me["password"], "new_password": _password()}
    return Case(
        Req("POST", "/v1/users/me/password", json=body),
        right=me["principal"],
        wrong_tenant=[someone["principal"]],  # another account: that password is not theirs → 403
        wrong_role=[w.org_key(w.org_a), w.service("training")],
        expect=200,
    )


@scenario("POST", "/v1/users/invitations")
async def invite(w: World) -> Case:
    return Case(
        Req("POST", "/v1/users/invitations", json={"org_id": w.org_a["id"], "role": "org_staff"}),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_y)],
        wrong_role=[
            w.org_staff(w.org_a),
            w.org_key(w.org_a),
            w.alliance_key(w.alliance_x),
            w.service("training"),
            w.org_admin(w.org_a, scopes=("membership:read", "membership:write")),  # narrowed: under the ceiling
        ],
        expect=201,
    )


@scenario("POST", "/v1/users/{user_id}/password-reset")
async def issue_reset(w: World) -> Case:
    user = await _user(w, w.org_a)
    outsiders = _user_outsiders(w)
    # a session narrowed below what the user logs in with cannot hand the account over
    outsiders["wrong_role"].append(w.org_admin(w.org_a, scopes=("membership:read", "membership:write")))
    return Case(
        Req("POST", f"/v1/users/{user['id']}/password-reset"),
        right=w.org_admin(w.org_a),
        expect=201,
        **outsiders,
    )


@scenario("POST", "/v1/users/{user_id}/disable")
async def disable(w: World) -> Case:
    user = await _user(w, w.org_a)
    return Case(
        Req("POST", f"/v1/users/{user['id']}/disable"), right=w.org_admin(w.org_a), expect=200, **_user_outsiders(w)
    )


@scenario("POST", "/v1/users/{user_id}/enable")
async def enable(w: World) -> Case:
    user = await _user(w, w.org_a)
    await w.admin_post(f"/v1/users/{user['id']}/disable")
    return Case(
        Req("POST", f"/v1/users/{user['id']}/enable"), right=w.org_admin(w.org_a), expect=200, **_user_outsiders(w)
    )


@scenario("POST", "/v1/users/{user_id}/alliance-grants")
async def grant(w: World) -> Case:
    user = await _user(w, w.org_a)
    return Case(
        Req("POST", f"/v1/users/{user['id']}/alliance-grants", json={"alliance_id": w.alliance_x["id"]}),
        right=w.platform_admin,
        wrong_role=[w.alliance_admin(w.alliance_x), w.org_admin(w.org_a), w.alliance_key(w.alliance_x)],
        expect=201,
    )


@scenario("DELETE", "/v1/users/{user_id}/alliance-grants/{alliance_id}")
async def ungrant(w: World) -> Case:
    user = await _user(w, w.org_a)
    await w.admin_post(f"/v1/users/{user['id']}/alliance-grants", {"alliance_id": w.alliance_x["id"]})
    return Case(
        Req("DELETE", f"/v1/users/{user['id']}/alliance-grants/{w.alliance_x['id']}"),
        right=w.platform_admin,
        wrong_role=[w.alliance_admin(w.alliance_x), w.org_admin(w.org_a), w.alliance_key(w.alliance_x)],
        expect=204,
    )


@private_read("GET", "/v1/users/{user_id}")
async def read_user(w: World) -> Case:
    user = await _user(w, w.org_a)
    return Case(
        Req("GET", f"/v1/users/{user['id']}"),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_staff(w.org_a), w.alliance_admin(w.alliance_x)],
        expect=200,
    )


# ---- /v1/api-keys ------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/api-keys")
async def create_key(w: World) -> Case:
    body = {"name": "教务系统", "org_id": w.org_a["id"], "scopes": ["membership:read", "training:write"]}
    outsiders = _key_outsiders(w)
    # a session narrowed below the key's scopes (it may write, but not hand out training:write)
    outsiders["wrong_role"].append(w.org_admin(w.org_a, scopes=("membership:read", "membership:write")))
    return Case(Req("POST", "/v1/api-keys", json=body), right=w.org_admin(w.org_a), expect=201, **outsiders)


@scenario("POST", "/v1/api-keys/{key_id}/revoke")
async def revoke_key(w: World) -> Case:
    key = await _org_key(w, w.org_a)
    return Case(
        Req("POST", f"/v1/api-keys/{key['id']}/revoke"), right=w.org_admin(w.org_a), expect=200, **_key_outsiders(w)
    )


@scenario("DELETE", "/v1/api-keys/{key_id}")
async def delete_key(w: World) -> Case:
    key = await _org_key(w, w.org_a)
    return Case(Req("DELETE", f"/v1/api-keys/{key['id']}"), right=w.org_admin(w.org_a), expect=204, **_key_outsiders(w))


@private_read("GET", "/v1/api-keys/{key_id}")
async def read_key(w: World) -> Case:
    key = await _org_key(w, w.org_a)
    return Case(
        Req("GET", f"/v1/api-keys/{key['id']}"),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
        expect=200,
    )
