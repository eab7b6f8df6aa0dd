"""Offers 供给 — what a school offers enterprises (docs/matching-core.md)."""
