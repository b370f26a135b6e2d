-- Every client id a survey save was applied under, with the version it produced. A save sent
-- again — a retry after a lost answer, an offline outbox, a device's outbox file uploaded by a
-- supervisor — is recognised as a replay even after later saves of the same survey, not only
-- when it was the last one (`surveys.last_request`).
CREATE TABLE survey_requests (
    client_id  TEXT PRIMARY KEY,
    survey_id  TEXT NOT NULL,
    version    INTEGER NOT NULL
);
INSERT INTO survey_requests (client_id, survey_id, version)
SELECT last_request, id, version FROM surveys WHERE last_request IS NOT NULL;
