"""Learners 学员 — personal data handled as such (DOMAIN.md §2 "Learner")."""
