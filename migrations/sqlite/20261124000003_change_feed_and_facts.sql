-- The change feed: one row per write to a survey (insert, edit, status change). Every server
-- instance keeps the sequence number it has applied and catches up before answering, so
-- several instances on one database stay consistent.
CREATE TABLE survey_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id TEXT NOT NULL
);

-- What each survey's answers contribute to the indicator catalogue, computed when the survey
-- is written (domain::engine::SurveyMeasures): the engine loads one narrow row per survey.
CREATE TABLE survey_facts (
    survey_id              TEXT PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
    size                   BIGINT NOT NULL,
    net_income_fen         BIGINT NOT NULL,
    guarantees_met         BOOLEAN NOT NULL,
    programme_days         BIGINT NOT NULL,
    programme_wages_fen    BIGINT NOT NULL,
    women_programme_days   BIGINT NOT NULL,
    equity_shares_positive BOOLEAN NOT NULL,
    equity_land_milli_mu   BIGINT NOT NULL,
    dividends_fen          BIGINT NOT NULL,
    understory_milli_mu    BIGINT NOT NULL,
    understory_net_fen     BIGINT NOT NULL,
    livestock_head_end     BIGINT NOT NULL,
    livestock_net_fen      BIGINT NOT NULL,
    trained_persons        BIGINT NOT NULL
);
