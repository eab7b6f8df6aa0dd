"""People 人员: staff, teachers, experts, skill masters and enterprise mentors (not learners)."""
