"""Allocation runs over the market (docs/matching-fairs-allocations.md)."""
