-- Analyst feedback fixes (user review): a confirmed link shows as the analyst judged it, and
-- commitment_status lists every quarter of its trend window. Every column of 010's views is
-- kept, in order.
--
-- Views that read followups (commitment_quarters, story_followups, commitment_status) need no
-- re-creation for followups' sake: DuckDB keeps a view's SQL text and binds it when queried,
-- and followups keeps its columns and types. commitment_status is re-created for its own fix.

-- The release's content hash when it was labelled, so a confirmed link's evidence can say
-- whether it still describes the release as it reads now. NULL for labels made before this.
ALTER TABLE labels ADD COLUMN content_hash VARCHAR;

-- A confirmed link: score 1.0, the evidence kept at labeling time, method 'analyst'; its
-- evidence is current while the release is unchanged since the label (older labels without a
-- hash fall back to the link's).
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
    SELECT lb.url, lb.commitment_id, CAST(1.0 AS DOUBLE) AS score,
           coalesce(lb.evidence, l.evidence) AS evidence,
           'analyst' AS method_version,
           lb.labeled_at AS linked_at,
           coalesce(lb.content_hash, l.content_hash) AS content_hash
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
    'rejections, plus analyst confirmations (score 1.0, the evidence kept at labeling time, '
    'method_version analyst); story_id groups copies and translations of one story.';

-- last_4_quarters lists all four quarters of the trend window, oldest first, with 0 for a
-- quarter without follow-ups, for every commitment.
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
    'Per commitment: follow-up stories found and when, per quarter (all four quarters of the '
    'trend window, 0 when none) and trend over them (rising|steady|falling|quiet); worded as '
    'evidence found, never as a verdict.';
