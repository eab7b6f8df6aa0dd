"""Shortage occupations 急需紧缺职业: occupations an alliance flags for a period (docs/matching-ranking-routes.md)."""
