"""Identity 身份与访问 — users, sessions, API keys, invitations and alliance grants of the membership service.

One sub-package per noun, each with `models.py` (its table), `schemas.py`, `service.py` and `router.py`:

- `users/` — `users`: a login (unique case-insensitively), display name, argon2id password hash, at most one
  organization with `org_role` `org_admin`|`org_staff`, `is_platform_admin`, `disabled_at`. Account
  operations that also end sessions or read grants (password change and reset, disabling, `/users/me`) are
  `users/accounts.py`. Publishes `org_is_claimed` to the rest of the service (`tenancy.py`).
- `sessions/` — `refresh_tokens`: opaque rotating refresh tokens (`cjr_…`), stored as SHA-256; each belongs
  to a family (= one login session, the access token's `sid`). Presenting a rotated or revoked one outside
  the grace window revokes the whole family.
- `api_keys/` — `api_keys`: keys of an organization or an alliance (`cjk_…`), stored as SHA-256, with scopes,
  expiry, revocation and last-used time; and their introspection by the gateway.
- `invitations/` — invitations (`cji_…`) and claiming them.
- `grants/` — `alliance_grants`: a user administers an alliance (its secretariat); revoked grants are kept.

Identity-wide helpers: `one_time.py` (`one_time_tokens`: invitations, password resets `cjp_…` and the
first-start setup token `cjs_…`, stored as SHA-256, each usable once before it expires), `throttle.py`
(`login_failures`, `login_successes`), `passwords.py`, `opaque.py`, `ceiling.py`, `runtime.py`,
`bootstrap.py`, `common.py` (clock, audit, the user-only rule, liveness of a named organization or
alliance), `fields.py` and `columns.py`.

Identity reads no other noun's tables: organizations and alliances answer through their services
(`organizations.service.lock_if_live`, `name_of`, `registered_by_one_of`, `is_live`;
`alliances.service.lock_if_live`, `is_live`). `tests/architecture/test_identity_seam.py` keeps it so.

No mail server is assumed: an invitation or reset token is answered once to the admin who created
it, who hands it to the person (chat, phone, in person); it works once and expires
(`invitation_ttl_hours`, `password_reset_ttl_hours`). Tokens, keys and password hashes never
appear in logs, audit rows or events.
"""
