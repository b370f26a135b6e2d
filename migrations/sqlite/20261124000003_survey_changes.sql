-- The change feed: one row per write to a survey (insert, edit, status change). Every server
-- instance keeps the sequence number it has applied and catches up before answering, so
-- several instances on one database stay consistent.
CREATE TABLE survey_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id TEXT NOT NULL
);
