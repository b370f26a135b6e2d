-- Reference data a real programme loads from its own files (issue 17):
-- a unit's name in Nuosu Yi and the unit it merged into, and waves that can be closed.
ALTER TABLE admin_units ADD COLUMN name_ii TEXT NOT NULL DEFAULT '';
-- From the first wave after `valid_to`, the unit's households count under its successor.
ALTER TABLE admin_units ADD COLUMN successor_code TEXT REFERENCES admin_units (code);
-- A closed wave takes no new saves or reviews; reopening it is audited.
ALTER TABLE waves ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;

-- Corrections to a household carry the version they started from (a stale one is refused).
ALTER TABLE households ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- A household that moved out, died out or merged into another stays on record with its history.
ALTER TABLE households ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'moved_out', 'deceased', 'merged'));
ALTER TABLE households ADD COLUMN merged_into TEXT REFERENCES households (id);

-- The registry's people: a person keeps one id across waves and corrections. Someone who
-- leaves the household stays on record, inactive, so that nobody else is renumbered.
CREATE TABLE persons (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    position     INTEGER NOT NULL CHECK (position >= 1),
    name         TEXT NOT NULL CHECK (name <> ''),
    id_card      TEXT,
    sex          TEXT NOT NULL,
    birth_year   INTEGER NOT NULL,
    relation     TEXT NOT NULL,
    ethnicity    TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX persons_household ON persons (household_id);

-- Treatment assignment: each village's programme model (or comparison) and the year the
-- programme started there, separate from each household's own enrolment.
CREATE TABLE village_programmes (
    village_code TEXT PRIMARY KEY REFERENCES admin_units (code),
    model        TEXT NOT NULL CHECK (model IN ('collective', 'household', 'comparison')),
    start_year   INTEGER,
    CHECK ((model = 'comparison') = (start_year IS NULL))
);
