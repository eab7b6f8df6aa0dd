"""Internships 实习实训: students placed at host enterprises."""
