-- Analyst views: the stable names of DESIGN.md. Raw tables are internal; these may gain columns.

INSERT INTO settings VALUES
    ('broken_after_failures', '3', 'consecutive failed or blocked runs after which a source is broken');

CREATE VIEW releases AS
SELECT url, source_id, title, published_on, language, body, first_seen_at,
       content_source, version, last_changed_at, published_at, last_seen_at,
       attachments, content_hash
FROM release_current;

COMMENT ON VIEW releases IS 'One row per article (latest version); history is in release_versions.';

CREATE VIEW followups AS
SELECT r.url, r.source_id, r.title, r.published_on, r.language,
       l.commitment_id, c.field, l.score, l.evidence,
       c.title_en AS commitment_title, l.method_version, l.linked_at, r.first_seen_at,
       l.content_hash IS NOT DISTINCT FROM r.content_hash AS evidence_is_current
FROM links AS l
JOIN release_current AS r ON r.url = l.url
JOIN commitments AS c ON c.commitment_id = l.commitment_id
WHERE l.score >= (SELECT CAST(value AS DOUBLE) FROM settings WHERE key = 'link_threshold');

COMMENT ON VIEW followups IS
    'One row per (release, commitment) link scoring at or above settings.link_threshold.';

CREATE VIEW commitment_status AS
WITH as_of AS (
    SELECT CAST(max(timezone('Asia/Shanghai', finished_at)) AS DATE) AS as_of_date
    FROM runs
    WHERE status = 'completed'
),
found AS (
    SELECT commitment_id,
           count(DISTINCT url) AS followups,
           min(coalesce(published_on,
                        CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE))) AS first_followup,
           max(coalesce(published_on,
                        CAST(timezone('Asia/Shanghai', first_seen_at) AS DATE))) AS last_followup
    FROM followups
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
       a.as_of_date AS as_of, c.kind, c.title_zh, c.region
FROM commitments AS c
LEFT JOIN found AS f USING (commitment_id)
CROSS JOIN as_of AS a;

COMMENT ON VIEW commitment_status IS
    'Per commitment: follow-ups found and when; worded as evidence found, never as a verdict.';

CREATE VIEW source_health AS
WITH history AS (
    SELECT sr.source_id, sr.status, sr.error, sr.links_found, sr.articles_fetched, r.started_at,
           row_number() OVER (PARTITION BY sr.source_id
                              ORDER BY r.started_at DESC, sr.run_id DESC) AS recency
    FROM source_runs AS sr
    JOIN runs AS r USING (run_id)
),
per_source AS (
    SELECT source_id,
           count(*) AS runs,
           max(started_at) AS last_run_at,
           max(started_at) FILTER (WHERE status IN ('ok', 'partial')) AS last_success_at,
           min(recency) FILTER (WHERE status IN ('ok', 'partial')) AS latest_success_recency,
           avg(links_found) AS avg_items_per_run,
           arg_max(error, started_at) FILTER (WHERE error IS NOT NULL) AS last_error,
           max(started_at) FILTER (WHERE error IS NOT NULL) AS last_error_at
    FROM history
    GROUP BY source_id
),
latest AS (
    SELECT source_id, status, links_found, articles_fetched FROM history WHERE recency = 1
),
scored AS (
    SELECT s.source_id, s.name, s.region, s.language, p.last_run_at, p.last_success_at,
           CAST(coalesce(p.latest_success_recency - 1, p.runs, 0) AS INTEGER)
               AS consecutive_failures,
           l.links_found AS items_last_run, p.avg_items_per_run, l.status AS last_status,
           p.last_error, p.last_error_at, l.articles_fetched AS articles_last_run,
           CAST(coalesce(p.runs, 0) AS INTEGER) AS runs
    FROM sources AS s
    LEFT JOIN per_source AS p USING (source_id)
    LEFT JOIN latest AS l USING (source_id)
)
SELECT source_id, name, region, language, last_run_at, last_success_at, consecutive_failures,
       items_last_run, avg_items_per_run, last_status, last_error,
       CASE
           WHEN last_status IS NULL THEN 'unknown'
           WHEN last_status = 'blocked' THEN 'blocked'
           WHEN consecutive_failures >= (SELECT CAST(value AS INTEGER) FROM settings
                                         WHERE key = 'broken_after_failures') THEN 'broken'
           WHEN last_status IN ('failed', 'partial') THEN 'degraded'
           WHEN coalesce(items_last_run, 0) = 0 THEN 'degraded'
           ELSE 'ok'
       END AS health,
       last_error_at, articles_last_run, runs
FROM scored;

COMMENT ON VIEW source_health IS
    'Per source: last run and success, consecutive failures, items (article links) per run, '
    'health ok|degraded|broken|blocked (unknown before its first run).';
