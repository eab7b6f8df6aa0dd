"""Proposals 合作意向: a demand and an offer put to each other (docs/matching-proposals.md)."""
