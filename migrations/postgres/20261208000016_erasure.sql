-- Erasure of personal data (issue 20): the day a household left the programme (its status
-- became moved out, deceased or merged) and the instant its personal data were erased, past
-- the retention period. Households that left before this version count from the upgrade day.
ALTER TABLE households ADD COLUMN left_on TEXT;
ALTER TABLE households ADD COLUMN erased_at BIGINT;
UPDATE households SET left_on = to_char(CURRENT_DATE, 'YYYY-MM-DD') WHERE status <> 'active';
CREATE INDEX households_left_on ON households (left_on) WHERE erased_at IS NULL AND left_on IS NOT NULL;
