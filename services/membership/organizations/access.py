"""Who may call the organization routes (router.py, routes_batch.py, routes_school.py): the `allow(...)`
declarations the routes list in `dependencies=[...]`, and the text their OpenAPI descriptions show for them."""

from __future__ import annotations

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, allow

READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py has the rules): secretariats register units; an organization's
# record is kept by its own org_admin, or by an admin of the alliance that registered it until its org admin claims it.
CREATE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",))
ORG_WRITE = allow(roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
WHO_CREATES = (
    "**谁可以 Who:** alliance admins (secretariats register their units) and platform admins. An organization an "
    "alliance admin registers records that alliance as its registrar (`registered_by_alliance_id`: the caller's one "
    "alliance — an alliance key, or a user administering a single alliance); until the organization's own org admin "
    "claims it, that alliance keeps its record, records its memberships directly and invites its first org admin. "
    "Memberships of any other organization that an alliance admin creates are invitations."
)
WHO_EDITS = (
    "**谁可以 Who:** the organization's own org_admin (a user or its API key); an admin of the alliance that "
    "registered it, until its org admin has claimed it (then 403) — a membership alone gives no edit right; platform "
    "admins. Another organization's principals get 403."
)
