"""SQL of the inquiries service (the only place that builds it), one module per subdomain."""
