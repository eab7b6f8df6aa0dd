"""Teacher enterprise practice 教师企业实践: a school's teacher working at an enterprise for a period."""
