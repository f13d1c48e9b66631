-- Commitment status after a second user review (014 made the trend need follow-ups enough):
--
-- 1. The window is the four COMPLETE quarters before the as-of day's quarter: a quarter a few
--    days old made every trend lean to "falling". The quarter so far is its own column,
--    followups_this_quarter.
-- 2. A story counts once in the window, in the quarter of its first release: a reprint the
--    next day across a quarter boundary counted the story in both quarters.
-- 3. "As of" is the day of the last completed run that read the sites: a re-parse reads only
--    the archive, so "no follow-up found as of DATE" must not move with it.
-- The trend rule is 014's followup_trend macro, unchanged.

-- Stories per commitment and quarter, each story in the quarter of its first release for that
-- commitment (so the quarters add up to the stories found); releases in their own quarter.
CREATE OR REPLACE VIEW commitment_quarters AS
WITH linked AS (
    SELECT commitment_id, url, story_id,
           coalesce(published_on, CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE)) AS day
    FROM followups
),
story_start AS (
    SELECT commitment_id, CAST(date_trunc('quarter', min(day)) AS DATE) AS quarter_start,
           story_id
    FROM linked
    GROUP BY commitment_id, story_id
),
stories AS (
    SELECT commitment_id, quarter_start, count(*) AS followups
    FROM story_start
    GROUP BY ALL
),
releases AS (
    SELECT commitment_id, CAST(date_trunc('quarter', day) AS DATE) AS quarter_start,
           count(DISTINCT url) AS releases
    FROM linked
    GROUP BY ALL
)
SELECT r.commitment_id, r.quarter_start,
       strftime(r.quarter_start, '%Y') || 'Q' || CAST(quarter(r.quarter_start) AS VARCHAR)
           AS quarter,
       CAST(coalesce(s.followups, 0) AS INTEGER) AS followups,
       CAST(r.releases AS INTEGER) AS releases
FROM releases AS r
LEFT JOIN stories AS s USING (commitment_id, quarter_start);

COMMENT ON VIEW commitment_quarters IS
    'Follow-up stories per commitment and calendar quarter, each story in the quarter of its '
    'first release (so the quarters add up to the stories found), and releases per quarter.';

-- Every column of 012's commitment_status is kept, in order; followups_this_quarter is added.
CREATE OR REPLACE VIEW commitment_status AS
WITH as_of AS (
    SELECT CAST(max(timezone('Asia/Shanghai', finished_at)) AS DATE) AS as_of_date
    FROM runs
    WHERE status = 'completed' AND mode <> 'reparse'
),
window_start AS (
    SELECT as_of_date,
           CAST(date_trunc('quarter', coalesce(as_of_date, current_date)) AS DATE) AS this_q,
           CAST(date_trunc('quarter', coalesce(as_of_date, current_date)) AS DATE)
               - INTERVAL 12 MONTH AS q1
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
),
this_quarter AS (
    SELECT q.commitment_id, q.followups
    FROM commitment_quarters AS q
    JOIN window_start AS w ON q.quarter_start = w.this_q
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
       followup_trend(coalesce(r.early, 0), coalesce(r.late, 0)) AS trend,
       CAST(coalesce(tq.followups, 0) AS INTEGER) AS followups_this_quarter
FROM commitments AS c
LEFT JOIN found AS f USING (commitment_id)
LEFT JOIN recent AS r USING (commitment_id)
LEFT JOIN this_quarter AS tq USING (commitment_id)
CROSS JOIN as_of AS a;

COMMENT ON VIEW commitment_status IS
    'Per commitment: follow-up stories found and when (as of the last run that read the sites), '
    'per quarter over the trend window (the four complete quarters before the as-of quarter, 0 '
    'when none), the trend over them (quiet|few|steady|rising|falling; few = 1 or 2, too few for '
    'a direction) and the stories of the quarter so far; worded as evidence found, never as a '
    'verdict.';

-- The history says why a trend changed without new evidence: where the last recorded row of a
-- commitment has another trend than the new window gives for the same evidence, a row under
-- run id 'migration:015 status window' records the new trend, so the next run does not record
-- it as if something had happened.
INSERT INTO commitment_status_history
WITH latest AS (
    SELECT commitment_id, followups, releases, last_followup, trend
    FROM commitment_status_history
    QUALIFY row_number() OVER (PARTITION BY commitment_id
                               ORDER BY recorded_at DESC, as_of DESC) = 1
)
SELECT s.commitment_id, s.as_of, 'migration:015 status window', s.followups, s.releases,
       s.last_followup, s.trend, s.status, current_timestamp
FROM commitment_status AS s
JOIN latest AS h USING (commitment_id)
WHERE s.as_of IS NOT NULL
  AND h.trend <> s.trend
  AND h.followups = s.followups
  AND h.releases = s.releases
  AND h.last_followup IS NOT DISTINCT FROM s.last_followup;
