-- The programme's data: waves, poverty lines, households, yearly surveys with their sections,
-- afforestation plots and targets. Money is kept in whole fen (BIGINT), areas in mu or ha.
-- Codes (sex, model, activity, …) are the stable codes of domain::vocab.

CREATE TABLE waves (
    year         INTEGER PRIMARY KEY,
    baseline     BOOLEAN NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL
);

CREATE TABLE poverty_lines (
    year       INTEGER NOT NULL,
    scheme     TEXT NOT NULL CHECK (scheme IN ('national', 'provincial')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (year, scheme)
);

CREATE TABLE households (
    id                   TEXT PRIMARY KEY,
    village_code         TEXT NOT NULL REFERENCES admin_units (code),
    registry_no          TEXT NOT NULL,
    head_name            TEXT NOT NULL,
    head_id_card         TEXT NOT NULL,
    phone                TEXT,
    head_sex             TEXT NOT NULL,
    head_ethnicity       TEXT NOT NULL,
    poverty_registration TEXT NOT NULL,
    poverty_cause        TEXT,
    registration_year    INTEGER,
    exit_year            INTEGER,
    model                TEXT NOT NULL CHECK (model IN ('collective', 'household', 'comparison')),
    enrolment_date       TEXT,
    -- One person heads one household, registered in one village only.
    CONSTRAINT households_id_card_unique UNIQUE (head_id_card),
    CONSTRAINT households_registry_unique UNIQUE (village_code, registry_no)
);
CREATE INDEX households_village ON households (village_code);

CREATE TABLE surveys (
    id                   TEXT PRIMARY KEY,
    household_id         TEXT NOT NULL REFERENCES households (id),
    wave                 INTEGER NOT NULL REFERENCES waves (year),
    status               TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
    enumerator           TEXT NOT NULL,
    client_id            TEXT NOT NULL,
    version              INTEGER NOT NULL CHECK (version >= 1),
    review_comment       TEXT,
    equity_land_mu       DOUBLE PRECISION NOT NULL CHECK (equity_land_mu >= 0),
    equity_shares        DOUBLE PRECISION NOT NULL CHECK (equity_shares >= 0),
    dividends_fen        BIGINT NOT NULL CHECK (dividends_fen >= 0),
    crop_net_fen         BIGINT NOT NULL CHECK (crop_net_fen >= 0),
    transfers_fen        BIGINT NOT NULL CHECK (transfers_fen >= 0),
    remittances_fen      BIGINT NOT NULL CHECK (remittances_fen >= 0),
    other_fen            BIGINT NOT NULL CHECK (other_fen >= 0),
    food_clothing_secure BOOLEAN NOT NULL,
    schooling_ok         BOOLEAN NOT NULL,
    insured              BOOLEAN NOT NULL,
    housing_safe         BOOLEAN NOT NULL,
    water_safe           BOOLEAN NOT NULL,
    CONSTRAINT surveys_client_id_unique UNIQUE (client_id),
    CONSTRAINT surveys_household_wave_unique UNIQUE (household_id, wave)
);
CREATE INDEX surveys_wave_status ON surveys (wave, status);

CREATE TABLE survey_members (
    survey_id  TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    member_no  INTEGER NOT NULL CHECK (member_no >= 1),
    sex        TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    relation   TEXT NOT NULL,
    ethnicity  TEXT NOT NULL,
    education  TEXT NOT NULL,
    health     TEXT NOT NULL,
    labour     TEXT NOT NULL,
    PRIMARY KEY (survey_id, member_no)
);

CREATE TABLE employment_rows (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    row_no    INTEGER NOT NULL,
    member_no INTEGER NOT NULL,
    activity  TEXT NOT NULL,
    days      INTEGER NOT NULL CHECK (days BETWEEN 0 AND 366),
    wages_fen BIGINT NOT NULL CHECK (wages_fen >= 0),
    PRIMARY KEY (survey_id, row_no)
);

CREATE TABLE training_rows (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    row_no    INTEGER NOT NULL,
    member_no INTEGER NOT NULL,
    topic     TEXT NOT NULL,
    days      INTEGER NOT NULL CHECK (days BETWEEN 0 AND 366),
    PRIMARY KEY (survey_id, row_no)
);

CREATE TABLE understory_rows (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    row_no    INTEGER NOT NULL,
    product   TEXT NOT NULL,
    area_mu   DOUBLE PRECISION NOT NULL CHECK (area_mu >= 0),
    output_kg DOUBLE PRECISION NOT NULL CHECK (output_kg >= 0),
    sales_fen BIGINT NOT NULL CHECK (sales_fen >= 0),
    costs_fen BIGINT NOT NULL CHECK (costs_fen >= 0),
    PRIMARY KEY (survey_id, row_no)
);

CREATE TABLE livestock_rows (
    survey_id       TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    row_no          INTEGER NOT NULL,
    species         TEXT NOT NULL,
    head_start      INTEGER NOT NULL CHECK (head_start >= 0),
    born            INTEGER NOT NULL CHECK (born >= 0),
    died            INTEGER NOT NULL CHECK (died >= 0),
    sold            INTEGER NOT NULL CHECK (sold >= 0),
    head_end        INTEGER NOT NULL CHECK (head_end >= 0),
    sales_fen       BIGINT NOT NULL CHECK (sales_fen >= 0),
    costs_fen       BIGINT NOT NULL CHECK (costs_fen >= 0),
    correction_note TEXT,
    PRIMARY KEY (survey_id, row_no)
);

CREATE TABLE plots (
    id             TEXT PRIMARY KEY,
    village_code   TEXT NOT NULL REFERENCES admin_units (code),
    area_ha        DOUBLE PRECISION NOT NULL CHECK (area_ha >= 0),
    species        TEXT NOT NULL,
    planting_year  INTEGER NOT NULL,
    managing_party TEXT NOT NULL
);
CREATE INDEX plots_village ON plots (village_code);

CREATE TABLE plot_inspections (
    plot_id      TEXT NOT NULL REFERENCES plots (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    survival_pct DOUBLE PRECISION NOT NULL CHECK (survival_pct BETWEEN 0 AND 100),
    PRIMARY KEY (plot_id, year)
);

CREATE TABLE targets (
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES admin_units (code),
    year      INTEGER NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (indicator, unit_code, year)
);
