"""Chanjiao kernel: mechanisms shared by every service (no domain nouns live here)."""
