"""Every table of the matching service (imported by Alembic and by the app).

Its resources are not built yet (docs/domain.md, "Not built yet"); the schema holds the kernel tables (idempotency
keys, audit rows, outbox) that every one of them writes through."""

from services.matching.db import kernel, metadata

__all__ = ["kernel", "metadata"]
