"""Attachments: files uploaded once, stored behind one interface, owned by what first
references them, and served only to whoever may read that owner.

The table (`models`), the storage (`storage`), the upload pipeline (`upload`, `safety`,
`scanner`), the first reference (`references`) and the serving of bytes (`content`) are
kernel code, so every service can attach files to its own resources; one service (the
inquiries service, behind `/v1/attachments`) answers the upload and download endpoints and
authorizes from the record each owner leaves here.
"""
