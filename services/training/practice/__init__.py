"""Teacher enterprise practice 教师企业实践 and part-time teaching 兼职授课 by enterprise staff."""
