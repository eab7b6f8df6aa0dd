"""Identity 身份与访问 — users, sessions, API keys and one-time tokens of the membership service.

Tables (schema `membership`):

- `users` — a login (unique case-insensitively), display name, argon2id password hash, at most one
  organization with `org_role` `org_admin`|`org_staff`, `is_platform_admin`, `disabled_at`.
- `alliance_grants` — a user administers an alliance (its secretariat); revoked grants are kept.
- `refresh_tokens` — opaque rotating refresh tokens (`cjr_…`), stored as SHA-256; each belongs to a
  family (= one login session, the access token's `sid`). Presenting a rotated or revoked one revokes
  the whole family.
- `login_failures` — one row per failed login, keyed by SHA-256 of the lower-cased login, so
  unknown logins are counted (and locked) exactly like known ones.
- `api_keys` — keys of an organization or an alliance (`cjk_…`), stored as SHA-256 (keys are
  high-entropy; argon2 is for passwords), with scopes, expiry, revocation and last-used time.
- `one_time_tokens` — invitations (`cji_…`), password resets (`cjp_…`) and the first-start setup
  token (`cjs_…`), stored as SHA-256, each usable once before it expires.

No mail server is assumed: an invitation or reset token is answered once to the admin who created
it, who hands it to the person (chat, phone, in person); it works once and expires
(`invitation_ttl_hours`, `password_reset_ttl_hours`). Tokens, keys and password hashes never
appear in logs, audit rows or events.
"""
