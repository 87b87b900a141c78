"""Intake: find every file a borough sent, keep it byte for byte, and read it safely.

A return reaches the project officer as an attachment to an email (saved as
.eml, .msg or in an .mbox), inside a zip, or as a workbook dropped in the inbox
folder. `inbox.walk_inbox` turns all of that into `Received` records,
`archive.Archive` keeps every byte, `safety.check_workbook_bytes` refuses
files that would hurt a spreadsheet reader, and `reader.read_workbooks` reads
the rest in worker processes that may die without taking the run with them.
"""
