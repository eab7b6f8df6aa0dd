"""The training service's schema, table base and kernel tables."""

from chanjiao.db import kernel_tables, make_base, make_registry

SCHEMA = "training"
registry = make_registry(SCHEMA)
metadata = registry.metadata
Base = make_base(registry)
kernel = kernel_tables(metadata)
