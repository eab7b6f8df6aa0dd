"""Who may call the enrolment routes (router.py, routes_batch.py, routes_import.py): the `allow(...)` declarations
the routes list in `dependencies=[...]`, and the text their OpenAPI descriptions show for them."""

from __future__ import annotations

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, allow

READ = allow(scopes=("training:read",))
# Who may write: principals (org_admin, org_staff — users or the org's API key) of the programme's provider
# organization, and platform admins. The learner's school reads; it does not write.
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("training:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** principals (org_admin, org_staff, or the organization's API key) of the programme's "
    "provider organization, and platform admins; anyone else gets 403."
)
