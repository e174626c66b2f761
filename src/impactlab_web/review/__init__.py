"""Learning cycles, reports from the web app and co-creation with stakeholder reviewers (issue 6).

A programme runs in *cycles*; each records its phases, its frozen impact-model version, the dataset snapshots
it used, its report versions and its conclusions. Report versions are generated in the background by the core
(`impactlab.reports`) and stored as files under ``settings.VAR_DIR / "reports"``. A report version can be shared
with stakeholder reviewers (their programme role, or a personal, signed, time-limited and revocable link);
reviewers comment on sections and outcomes and say whether they recognise an outcome; the team answers and
resolves; every outcome shows its verification status.
"""
