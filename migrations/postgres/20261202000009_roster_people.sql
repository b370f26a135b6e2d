-- Survey rosters refer to the registry's people: each roster line names the person it is, so
-- that one person keeps one id in every wave. A person a survey adds (a newborn, a bride) has
-- no name until the registry is corrected, so a person's name may now be empty.
ALTER TABLE persons DROP CONSTRAINT persons_name_check;

ALTER TABLE survey_members ADD COLUMN person_id TEXT REFERENCES persons (id);
CREATE INDEX survey_members_person ON survey_members (person_id);
