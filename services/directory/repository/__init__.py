"""The only place in the directory that builds SQL. One module per subdomain."""
