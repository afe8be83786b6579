"""Use cases of the campaigns service and their rules, one module per subdomain."""
