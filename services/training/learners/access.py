"""Who may call the learner routes (router.py, routes_batch.py, routes_import.py): the `allow(...)` declarations
the routes list in `dependencies=[...]`, the text their OpenAPI descriptions show for them, and the organization a
registration is for (`registering_org`)."""

from __future__ import annotations

import uuid

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden, field_error
from services.training.learners import service

READ = allow(scopes=("training:read",))
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("training:write",), tenant="organization")
REVEAL = allow(roles=(ORG_ADMIN,), scopes=("training:reveal",), tenant="organization")
ERASE = allow(roles=(ORG_ADMIN,), scopes=("training:write",), tenant="organization")

# Who may register many at once (routes_batch.py, routes_import.py).
WHO = (
    "\n\n**谁可以 Who:** org_admin or org_staff (user or API key) registering for their own organization (items "
    "may omit `org_id` or name their own; naming another organization is 403 for the whole request), and platform "
    "admins (who name `org_id`)."
)


def registering_org(principal: Principal, requested: uuid.UUID | None, *, loc: list[str | int]) -> uuid.UUID:
    """The organization that registers: an org principal's own (403 when another is named); a platform admin names
    one (422 when missing)."""
    if principal.is_platform_admin:
        if requested is None:
            raise field_error(
                loc, "missing", "平台管理员登记学员时须指定登记单位 org_id", "A platform admin must name the org_id"
            )
        return requested
    own = service.principal_org(principal)
    if own is None or (requested is not None and requested != own):
        raise Forbidden(
            detail_zh="只能以本单位名义登记学员", detail_en="You may only register learners for your own organization"
        )
    return own
