-- Income parts the household micro-data file needs per survey, stored with the other
-- measures when a survey is written, so the export reads one row per survey instead of
-- summing four section tables for each.
ALTER TABLE survey_facts ADD COLUMN wages_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_facts ADD COLUMN understory_sales_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_facts ADD COLUMN understory_costs_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_facts ADD COLUMN livestock_sales_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_facts ADD COLUMN livestock_costs_fen BIGINT NOT NULL DEFAULT 0;

UPDATE survey_facts SET
    wages_fen = COALESCE((SELECT SUM(e.wages_fen) FROM employment_rows e WHERE e.survey_id = survey_facts.survey_id), 0),
    understory_sales_fen = COALESCE((SELECT SUM(u.sales_fen) FROM understory_rows u WHERE u.survey_id = survey_facts.survey_id), 0),
    understory_costs_fen = COALESCE((SELECT SUM(u.costs_fen) FROM understory_rows u WHERE u.survey_id = survey_facts.survey_id), 0),
    livestock_sales_fen = COALESCE((SELECT SUM(l.sales_fen) FROM livestock_rows l WHERE l.survey_id = survey_facts.survey_id), 0),
    livestock_costs_fen = COALESCE((SELECT SUM(l.costs_fen) FROM livestock_rows l WHERE l.survey_id = survey_facts.survey_id), 0);
