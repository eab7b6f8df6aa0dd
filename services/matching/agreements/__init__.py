"""Agreements 校企合作协议: parties, lifecycle, milestones and the funding ledger (docs/matching-agreements.md)."""
