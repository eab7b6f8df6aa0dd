"""Demands 需求 — what an enterprise asks of schools (docs/matching-core.md)."""
