"""Time-ordered identifiers (UUIDv7, RFC 9562), generated in the application."""

import uuid

from uuid_utils.compat import uuid7 as _uuid7


def new_id() -> uuid.UUID:
    """A new UUIDv7: sorts by creation time, so keyset pagination on `id` follows insertion order."""
    return _uuid7()
