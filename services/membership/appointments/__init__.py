"""Appointments 双栖双聘: a person appointed at another organization for a period."""
