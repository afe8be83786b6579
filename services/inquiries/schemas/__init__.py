"""Request and response bodies of the inquiries service, one module per subdomain."""
