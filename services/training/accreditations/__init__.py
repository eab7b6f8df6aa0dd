"""Who may appraise and test: the accreditation register (职业技能鉴定站, 职业技能等级认定机构, 考点, 1+X 考核站点)
and the 1+X pilot registrations (1+X 试点证书备案) of schools, which appraisal batches and issued skill
certificates check."""
