"""The inquiries service layer: use cases and their rules, one module per subdomain
(inquiries, timeline, workflow, catalog, tracking, attachments, stats, export, crisis, sla,
the views that shape rows into bodies) and `intake/` (the use case, the process's memory and
the group commit)."""
