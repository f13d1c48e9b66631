-- Linking that analysts trust (issue 5): analyst labels, story clusters, dated status history,
-- and the followups / commitment_status views rebuilt on top of them (every column kept).

INSERT INTO settings VALUES
    ('field_threshold', '0.45',
     'a follow-up links its best commitment and every other one scoring at least this');

-- Analyst feedback: a confirmed link always shows in followups, a rejected one never does.
CREATE TABLE labels (
    url VARCHAR NOT NULL,
    commitment_id VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    note VARCHAR,
    evidence JSON,                     -- the linker's evidence at labeling time
    labeled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (url, commitment_id)
);

-- One row per release: releases that tell the same story share a story_id.
CREATE TABLE stories (
    url VARCHAR PRIMARY KEY,
    story_id VARCHAR NOT NULL,         -- the url of the story's earliest release
    reason VARCHAR NOT NULL,           -- first | copy | translation
    run_id VARCHAR,
    assigned_at TIMESTAMPTZ
);

-- Commitment status as recorded after each run; a row is added only when something changed.
CREATE TABLE commitment_status_history (
    commitment_id VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    followups INTEGER NOT NULL,        -- stories
    releases INTEGER NOT NULL,
    last_followup DATE,
    trend VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (commitment_id, run_id)
);

CREATE OR REPLACE VIEW release_stories AS
SELECT r.url, coalesce(s.story_id, r.url) AS story_id, coalesce(s.reason, 'first') AS reason
FROM release_current AS r
LEFT JOIN stories AS s USING (url);

COMMENT ON VIEW release_stories IS
    'Every release with its story cluster (a release not yet clustered is its own story).';

CREATE OR REPLACE VIEW followups AS
WITH thresholds AS (
    SELECT max(CAST(value AS DOUBLE)) FILTER (WHERE key = 'link_threshold') AS link_t,
           max(CAST(value AS DOUBLE)) FILTER (WHERE key = 'field_threshold') AS field_t
    FROM settings
),
scored AS (
    SELECT l.url, l.commitment_id, l.score, l.evidence, l.method_version, l.linked_at,
           l.content_hash
    FROM links AS l
    CROSS JOIN thresholds AS t
    LEFT JOIN linked_releases AS m USING (url)
    WHERE l.score >= t.link_t
      AND (l.score >= greatest(t.link_t, coalesce(t.field_t, t.link_t))
           OR l.score >= coalesce(m.best_score, l.score))
),
confirmed AS (
    SELECT lb.url, lb.commitment_id, coalesce(l.score, 1.0) AS score,
           coalesce(l.evidence, lb.evidence) AS evidence,
           coalesce(l.method_version, 'analyst') AS method_version,
           coalesce(l.linked_at, lb.labeled_at) AS linked_at, l.content_hash
    FROM labels AS lb
    LEFT JOIN links AS l USING (url, commitment_id)
    WHERE lb.verdict = 'confirmed'
),
chosen AS (
    SELECT * FROM scored
    WHERE NOT EXISTS (SELECT 1 FROM labels AS lb
                      WHERE lb.url = scored.url AND lb.commitment_id = scored.commitment_id)
    UNION ALL
    SELECT * FROM confirmed
)
SELECT r.url, r.source_id, r.title, r.published_on, r.language,
       k.commitment_id, c.field, k.score, k.evidence,
       c.title_en AS commitment_title, k.method_version, k.linked_at, r.first_seen_at,
       k.content_hash IS NOT DISTINCT FROM r.content_hash AS evidence_is_current,
       st.story_id, lb.verdict AS label
FROM chosen AS k
JOIN release_current AS r ON r.url = k.url
JOIN commitments AS c ON c.commitment_id = k.commitment_id
LEFT JOIN release_stories AS st ON st.url = k.url
LEFT JOIN labels AS lb ON lb.url = k.url AND lb.commitment_id = k.commitment_id;

COMMENT ON VIEW followups IS
    'One row per (release, commitment) link: the best commitment of a release scoring at least '
    'settings.link_threshold and any other scoring at least field_threshold; minus analyst '
    'rejections, plus '
    'analyst confirmations; story_id groups copies and translations of one story.';

CREATE OR REPLACE VIEW commitment_quarters AS
SELECT commitment_id,
       CAST(date_trunc('quarter', day) AS DATE) AS quarter_start,
       strftime(day, '%Y') || 'Q' || CAST(quarter(day) AS VARCHAR) AS quarter,
       CAST(count(DISTINCT story_id) AS INTEGER) AS followups,
       CAST(count(DISTINCT url) AS INTEGER) AS releases
FROM (
    SELECT commitment_id, url, story_id,
           coalesce(published_on, CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE)) AS day
    FROM followups
)
GROUP BY ALL;

COMMENT ON VIEW commitment_quarters IS
    'Follow-up stories (and releases) per commitment and calendar quarter.';

CREATE OR REPLACE VIEW commitment_status AS
WITH as_of AS (
    SELECT CAST(max(timezone('Asia/Shanghai', finished_at)) AS DATE) AS as_of_date
    FROM runs
    WHERE status = 'completed'
),
window_start AS (
    SELECT as_of_date,
           CAST(date_trunc('quarter', coalesce(as_of_date, current_date)) AS DATE)
               - INTERVAL 9 MONTH AS q1
    FROM as_of
),
found AS (
    SELECT commitment_id,
           count(DISTINCT story_id) AS followups,
           count(DISTINCT url) AS releases,
           min(coalesce(published_on,
                        CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE))) AS first_followup,
           max(coalesce(published_on,
                        CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE))) AS last_followup
    FROM followups
    GROUP BY commitment_id
),
recent AS (
    SELECT q.commitment_id,
           sum(q.followups) FILTER (WHERE q.quarter_start >= w.q1
                                      AND q.quarter_start < w.q1 + INTERVAL 6 MONTH) AS early,
           sum(q.followups) FILTER (WHERE q.quarter_start >= w.q1 + INTERVAL 6 MONTH
                                      AND q.quarter_start < w.q1 + INTERVAL 12 MONTH) AS late,
           list({'quarter': q.quarter, 'followups': q.followups} ORDER BY q.quarter_start)
               FILTER (WHERE q.quarter_start >= w.q1
                         AND q.quarter_start < w.q1 + INTERVAL 12 MONTH) AS last_4_quarters
    FROM commitment_quarters AS q
    CROSS JOIN window_start AS w
    GROUP BY q.commitment_id
)
SELECT c.commitment_id, c.field, c.title_en,
       CAST(coalesce(f.followups, 0) AS INTEGER) AS followups,
       f.first_followup, f.last_followup,
       CASE
           WHEN coalesce(f.followups, 0) > 0 THEN
               f.followups || ' follow-up' || CASE WHEN f.followups = 1 THEN '' ELSE 's' END
               || ' found, latest ' || coalesce(strftime(f.last_followup, '%Y-%m-%d'), 'undated')
           WHEN a.as_of_date IS NULL THEN 'no follow-up found (no completed run yet)'
           ELSE 'no follow-up found as of ' || strftime(a.as_of_date, '%Y-%m-%d')
       END AS status,
       a.as_of_date AS as_of, c.kind, c.title_zh, c.region,
       CAST(coalesce(f.releases, 0) AS INTEGER) AS releases,
       CAST(coalesce(r.early, 0) + coalesce(r.late, 0) AS INTEGER) AS followups_last_4_quarters,
       coalesce(r.last_4_quarters, []) AS last_4_quarters,
       CASE
           WHEN coalesce(r.early, 0) + coalesce(r.late, 0) = 0 THEN 'quiet'
           WHEN coalesce(r.late, 0) > coalesce(r.early, 0) THEN 'rising'
           WHEN coalesce(r.late, 0) < coalesce(r.early, 0) THEN 'falling'
           ELSE 'steady'
       END AS trend
FROM commitments AS c
LEFT JOIN found AS f USING (commitment_id)
LEFT JOIN recent AS r USING (commitment_id)
CROSS JOIN as_of AS a;

COMMENT ON VIEW commitment_status IS
    'Per commitment: follow-up stories found and when, per quarter and trend over the last four '
    'quarters (rising|steady|falling|quiet); worded as evidence found, never as a verdict.';

CREATE OR REPLACE VIEW commitment_status_changes AS
SELECT commitment_id, as_of, run_id, followups, releases, last_followup, trend, status,
       recorded_at
FROM commitment_status_history;

COMMENT ON VIEW commitment_status_changes IS
    'Dated history of commitment statuses: one row each time a status, count or trend changed.';
