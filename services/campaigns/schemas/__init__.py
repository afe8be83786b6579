"""Pydantic in/out models of the campaigns service, one module per subdomain."""
