-- Administrative units: prefecture, counties, townships, villages, identified by their
-- official statistical codes. Liangshan and the three programme counties are reference data.
CREATE TABLE admin_units (
    code        TEXT PRIMARY KEY CHECK (code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})$'),
    name_zh     TEXT NOT NULL CHECK (name_zh <> ''),
    name_pinyin TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('prefecture', 'county', 'township', 'village')),
    parent_code TEXT REFERENCES admin_units (code),
    valid_from  TEXT CHECK (valid_from ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    valid_to    TEXT CHECK (valid_to ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    synthetic   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX admin_units_parent ON admin_units (parent_code);

INSERT INTO admin_units (code, name_zh, name_pinyin, level, parent_code) VALUES
    ('513400', '凉山彝族自治州', 'Liangshan', 'prefecture', NULL),
    ('513431', '昭觉县', 'Zhaojue', 'county', '513400'),
    ('513434', '越西县', 'Yuexi', 'county', '513400'),
    ('513437', '雷波县', 'Leibo', 'county', '513400');
