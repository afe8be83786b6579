"""Bulk imports of the campaigns service: kinds `initiatives` and `kpi_values`.

Ministries keep initiatives and KPI figures in spreadsheets; each row goes through the
same use case as the API (`service.initiatives.create` / `update`,
`service.kpis.submit_value`): the schema's validation, the caller's permission and subtree,
references (axis, parent, participating organizations, the KPI applying to the
organization, the period matching the KPI's frequency), the parent's derived progress,
the outbox events. Rows upsert on (`external_source`, `external_id`), kept on the
initiative or value: a key imported before updates what the row names and what differs,
so a rerun of the same file changes nothing.

A KPI value imported before changes while it is `submitted` (a corrected figure, its
`kpi.value_submitted` event again) or `rejected` (submitted again); a verified value never
changes. Its KPI, organization and period are its identity and never change either.

Initiatives load set-based too (`InitiativesImport.load`): `initiatives.create`'s checks on
references looked up once per job, one statement inserting the batch's new initiatives and
their `initiative.created` events, each parent's progress derived once (a child of a row
of the same batch in the next wave); the changed initiatives, checked by
`initiatives.update`'s rules, updated by another with their `initiative.status_changed`
events; a change of code or parent, an unresolved parent code and a code taken already go
row by row.
KPI values load set-based (`KpiValuesImport.load`): `submit_value`'s checks run in Python
on what is looked up once per job or per batch, and the batch's new values are COPied into
a staging table and inserted, with their events and delivery jobs, by one statement; the
changed values are staged and updated by another (a rejected one submitted again), with
their events, and the roll-up of their KPIs and organizations rewritten; only a new row
citing documents takes the use case row by row.
"""

from services.campaigns.imports.initiatives import InitiativesImport
from services.campaigns.imports.kpi_values import KpiValuesImport

__all__ = ["InitiativesImport", "KpiValuesImport"]
