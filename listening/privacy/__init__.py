"""Privacy that can be shown: retention purge, erasure, a resident's copy, need-to-know access, view records,
the audit trail's readable view. docs/privacy.md says what is kept, why, who sees it and for how long."""
