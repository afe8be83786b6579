"""Open311 GeoReport v2 at `/open311/v2/`, built on the inquiries service layer.

A jurisdiction is an organization (`jurisdiction_id` = its `code`); its services are the
public, active inquiry categories of it and of the organizations above it (`service_code` =
the category `code`); its service requests are the inquiries of its subtree in a public
category (`service_request_id` = the `reference`). See `service.py` for the rules.
Requests are created by the intake (`service.intake.create.create_inquiry`), so routing,
channel checks, SLA, references, audit and outbox events apply exactly as for `/v1/inquiries`.
"""
