"""Certificates 证书: issued by an organization on the platform or recorded from an outside authority, their
reviews (复审), status actions and replacements, and the public verification answer (docs/domain.md,
"Certificates")."""
