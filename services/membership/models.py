"""Every table of the membership service (imported by Alembic and by the app)."""

from services.membership.db import kernel, metadata
from services.membership.organizations.models import Organization
from services.membership.reference.models import ReferenceCode

__all__ = ["Organization", "ReferenceCode", "kernel", "metadata"]
