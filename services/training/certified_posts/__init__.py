"""Posts that require a certificate 持证岗位: who holds each post, and how many of them hold a valid certificate."""
