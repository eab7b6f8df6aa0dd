"""Users 用户 — accounts: a login, a password, at most one organization and role, platform admin or not.

Published to the rest of the membership service: `org_is_claimed(session, org_id)`."""

from services.membership.identity.users.service import org_is_claimed

__all__ = ["org_is_claimed"]
