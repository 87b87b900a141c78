-- The store schema as released before versioning (PRAGMA user_version 0).
-- Kept byte for byte so that a test can make a store as that version wrote it.
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    command TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    sender TEXT,
    sent_at TEXT,
    modified_at TEXT,
    received_at TEXT NOT NULL,
    received_basis TEXT NOT NULL,
    collection TEXT,
    la_code TEXT,
    period TEXT,
    spec_version TEXT,
    template_version TEXT,
    outcome TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    outcome_message TEXT NOT NULL DEFAULT '',
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    UNIQUE (path, sha256)
);
CREATE TABLE IF NOT EXISTS "values" (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    la_code TEXT NOT NULL,
    period TEXT NOT NULL,
    section_id TEXT NOT NULL,
    row_number INTEGER,
    field_id TEXT NOT NULL,
    value TEXT,
    number REAL,
    rating TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    derived INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS values_by_return ON "values" (la_code, period);
CREATE TABLE IF NOT EXISTS issues (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    la_code TEXT,
    period TEXT,
    severity TEXT NOT NULL,
    field_id TEXT NOT NULL DEFAULT '',
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    run_id INTEGER REFERENCES runs(id),
    kind TEXT NOT NULL,
    la_code TEXT NOT NULL,
    period TEXT,
    path TEXT NOT NULL,
    written_at TEXT NOT NULL
);
