"""Route declarations shared by the organization routers: access, headers, media types."""

from __future__ import annotations

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, allow

READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py has the rules): secretariats register units; an organization's
# record is kept by its own org_admin, or by an admin of an alliance it belongs to until its org admin claims it.
CREATE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",))
ORG_WRITE = allow(roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
WHO_CREATES = "**谁可以 Who:** alliance admins (secretariats register their units) and platform admins."
WHO_EDITS = (
    "**谁可以 Who:** the organization's own org_admin (a user or its API key); an admin of an alliance in which it "
    "has a membership, until its org admin has claimed it (then 403); platform admins. Another organization's "
    "principals get 403."
)
