"""Learners 学员 — personal data handled as such (docs/learners.md)."""
