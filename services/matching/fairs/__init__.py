"""Fairs 供需对接会 / 双选会 (docs/matching-fairs-allocations.md)."""
