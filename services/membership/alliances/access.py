"""Who may call the alliance routes (router.py, routes_import.py): the `allow(...)` declarations the routes list in
`dependencies=[...]`, and the text their OpenAPI descriptions show for them."""

from __future__ import annotations

from chanjiao.auth import ALLIANCE_ADMIN, PLATFORM_ADMIN, allow

PUBLIC = allow(public=True)
# Who may write (services/membership/tenancy.py has the rules): platform admins create and delete alliances; an
# alliance's admins (its secretariat, or the alliance's API key) keep its record and roll.
PLATFORM_WRITE = allow(roles=(PLATFORM_ADMIN,), scopes=("membership:write",))
ALLIANCE_WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
WHO_PLATFORM = "**谁可以 Who:** platform admins only."
WHO_ALLIANCE = (
    "**谁可以 Who:** this alliance's admins (its secretariat's users or the alliance's API key) and platform "
    "admins; an admin of another alliance gets 403."
)
