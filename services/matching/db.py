"""The matching service's schema, table base, kernel tables and the job runner's table (chanjiao/jobs.py)."""

from chanjiao.db import jobs_table, kernel_tables, make_base, make_registry

SCHEMA = "matching"
registry = make_registry(SCHEMA)
metadata = registry.metadata
Base = make_base(registry)
kernel = kernel_tables(metadata)
jobs = jobs_table(metadata)
