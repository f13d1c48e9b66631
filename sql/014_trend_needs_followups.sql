-- A trend needs enough follow-ups to have a direction (user review: one follow-up in the
-- window read "rising"). Over the four quarters of the trend window, earlier half against
-- later half:
--   quiet    no follow-up in the window;
--   few      1 or 2: too few to call a direction;
--   rising   the later half has at least twice the earlier half's follow-ups, and 2 more;
--   falling  the earlier half has at least twice the later half's, and 2 more;
--   steady   anything else.
-- warehouse/status.py `trend` is the same rule for the status history (a test compares them).
CREATE OR REPLACE MACRO followup_trend(early, late) AS
    CASE
        WHEN early + late = 0 THEN 'quiet'
        WHEN early + late < 3 THEN 'few'
        WHEN late >= 2 * early AND late - early >= 2 THEN 'rising'
        WHEN early >= 2 * late AND early - late >= 2 THEN 'falling'
        ELSE 'steady'
    END;

-- Every column of 012's commitment_status is kept, in order; only the trend rule changed.
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
window_quarters AS (
    SELECT CAST(w.q1 + to_months(CAST(3 * i.n AS INTEGER)) AS DATE) AS quarter_start, i.n
    FROM window_start AS w
    CROSS JOIN (SELECT range AS n FROM range(4)) AS i
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
per_quarter AS (
    SELECT c.commitment_id, wq.quarter_start, wq.n,
           strftime(wq.quarter_start, '%Y') || 'Q' || CAST(quarter(wq.quarter_start) AS VARCHAR)
               AS quarter,
           CAST(coalesce(q.followups, 0) AS INTEGER) AS followups
    FROM commitments AS c
    CROSS JOIN window_quarters AS wq
    LEFT JOIN commitment_quarters AS q
           ON q.commitment_id = c.commitment_id AND q.quarter_start = wq.quarter_start
),
recent AS (
    SELECT commitment_id,
           sum(followups) FILTER (WHERE n < 2) AS early,
           sum(followups) FILTER (WHERE n >= 2) AS late,
           list({'quarter': quarter, 'followups': followups} ORDER BY quarter_start)
               AS last_4_quarters
    FROM per_quarter
    GROUP BY commitment_id
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
       followup_trend(coalesce(r.early, 0), coalesce(r.late, 0)) AS trend
FROM commitments AS c
LEFT JOIN found AS f USING (commitment_id)
LEFT JOIN recent AS r USING (commitment_id)
CROSS JOIN as_of AS a;

COMMENT ON VIEW commitment_status IS
    'Per commitment: follow-up stories found and when, per quarter (all four quarters of the '
    'trend window, 0 when none) and trend over them (quiet|few|steady|rising|falling; few = 1 or '
    '2 in the window, too few for a direction); worded as evidence found, never as a verdict.';

-- The history says why a trend changed without new evidence: where the last recorded row of a
-- commitment has another trend than the new rule gives for the same evidence, a row under run
-- id 'migration:014 trend rule' records the new trend, so the next run does not record it as
-- if something had happened.
INSERT INTO commitment_status_history
WITH latest AS (
    SELECT commitment_id, followups, releases, last_followup, trend
    FROM commitment_status_history
    QUALIFY row_number() OVER (PARTITION BY commitment_id
                               ORDER BY recorded_at DESC, as_of DESC) = 1
)
SELECT s.commitment_id, s.as_of, 'migration:014 trend rule', s.followups, s.releases,
       s.last_followup, s.trend, s.status, current_timestamp
FROM commitment_status AS s
JOIN latest AS h USING (commitment_id)
WHERE s.as_of IS NOT NULL
  AND h.trend <> s.trend
  AND h.followups = s.followups
  AND h.releases = s.releases
  AND h.last_followup IS NOT DISTINCT FROM s.last_followup;
