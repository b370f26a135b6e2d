-- Survey rosters refer to the registry's people: each roster line names the person it is, so
-- that one person keeps one id in every wave. A person a survey adds (a newborn, a bride) has
-- no name until the registry is corrected, so a person's name may now be empty.
CREATE TABLE persons_named (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    position     INTEGER NOT NULL CHECK (position >= 1),
    name         TEXT NOT NULL,
    id_card      TEXT,
    sex          TEXT NOT NULL,
    birth_year   INTEGER NOT NULL,
    relation     TEXT NOT NULL,
    ethnicity    TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1
);
INSERT INTO persons_named (id, household_id, position, name, id_card, sex, birth_year, relation, ethnicity, active)
    SELECT id, household_id, position, name, id_card, sex, birth_year, relation, ethnicity, active FROM persons;
DROP TABLE persons;
ALTER TABLE persons_named RENAME TO persons;
CREATE INDEX persons_household ON persons (household_id);

ALTER TABLE survey_members ADD COLUMN person_id TEXT REFERENCES persons (id);
CREATE INDEX survey_members_person ON survey_members (person_id);
