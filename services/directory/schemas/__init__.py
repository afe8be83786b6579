"""Pydantic in/out models of the directory, one module per subdomain."""
