"""The inquiries service layer: use cases and their rules, one module per subdomain
(inquiries, timeline, workflow)."""
