"""Bulk import of calendar entries (kind `entries`): CSV, JSON Lines, `.xlsx`, `.ics`.

A row is `POST /v1/calendar/entries`'s body (`EntryImportRow`, validated by the create
schema) plus its key in the source system; an `.ics` file gives one row per UID
(`domain/ics_import.py`: RRULE and EXDATE kept as the entry's recurrence, RECURRENCE-ID
events as its moved or cancelled occurrences).

A batch loads set-based (`batch.py`): a new key by the create's rules (the organization in
the importer's subtree, channels resolved up the tree, occurrences materialized, a draft
with its history), its overrides by the occurrence change's; a known key by the update's
(the entry becomes what the row says, a change the approvers look at sends a pending or
approved entry back to `pending`, overrides the row no longer has are dropped), so a rerun
of the same file changes nothing. What the rules read is looked up once per organization
per batch; the batch's entries are COPied into a staging table and written by one
`INSERT … ON CONFLICT (external_source, external_id) DO UPDATE … WHERE` (something
changed) with their history rows and `calendar.entry.changed` / `…cancelled` events, then
their occurrences and overrides are COPied. A new entry citing documents still goes
through the use cases row by row (`EntriesImport.upsert`).
"""

from services.calendar.imports.entries import EntriesImport

__all__ = ["EntriesImport"]
