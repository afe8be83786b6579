"""Pure rules of inquiries, without I/O: the state table, SLA and business-hours arithmetic."""
