"""Time-ordered identifiers (UUIDv7, RFC 9562), generated in the application."""

import uuid

import uuid_utils
from uuid_utils.compat import uuid7 as _uuid7


def new_id() -> uuid.UUID:
    """A new UUIDv7: sorts by creation time, so keyset pagination on `id` follows insertion order."""
    return _uuid7()


def new_id_text() -> str:
    """`str(new_id())`, four times faster (no `uuid.UUID` object): for ids made by the thousand."""
    return str(uuid_utils.uuid7())
