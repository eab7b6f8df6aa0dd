"""Skill appraisal batches 技能鉴定: an organization appraises its learners for a skill level certificate; the
passing candidates' certificates are issued with the batch (docs/domain.md, "Appraisal")."""
