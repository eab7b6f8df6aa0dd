"""Part-time teaching 兼职授课: an enterprise's staff member teaching a course at a school in a term."""
