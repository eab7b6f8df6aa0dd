"""Who may call the activity routes (router.py, routes_import.py): the `allow(...)` declarations and the text their
OpenAPI descriptions show (the rules: services/membership/tenancy.py)."""

from __future__ import annotations

from chanjiao.auth import ALLIANCE_ADMIN, allow

READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
WHO = (
    "\n\n**谁可以 Who:** the admins of the activity's alliance and platform admins; a member organization that "
    "reads the activity gets 403, anyone else 404."
)
READERS = (
    "\n\n**谁可以读 Readers:** the alliance's admins and the principals of its member organizations (active or "
    "suspended), services with `membership:read`, platform admins; anyone else gets 404 and an empty list."
)
