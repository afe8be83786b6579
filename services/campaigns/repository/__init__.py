"""The only place of the campaigns service that builds SQL, one module per subdomain."""
