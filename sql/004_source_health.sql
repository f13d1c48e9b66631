-- Source health v2: one state per source from consecutive failures, zero-yield list pages
-- (selector drift) over several runs, extraction-yield drops against the source's own history,
-- and block pages; with the reason in words. Thresholds are rows of `settings`.
-- Every column of the 002 view is kept (contract); new ones are appended.

CREATE OR REPLACE VIEW source_health AS
WITH setting AS (
    SELECT max(CASE WHEN key = 'broken_after_failures' THEN CAST(value AS INTEGER) END) AS broken_after,
           max(CASE WHEN key = 'health_zero_yield_runs' THEN CAST(value AS INTEGER) END) AS zero_yield_limit,
           max(CASE WHEN key = 'health_yield_drop' THEN CAST(value AS DOUBLE) END) AS yield_drop,
           max(CASE WHEN key = 'health_min_articles' THEN CAST(value AS INTEGER) END) AS min_articles
    FROM settings
),
not_modified AS (
    SELECT run_id, source_id, count(*) AS pages
    FROM fetch_log
    WHERE kind = 'list' AND outcome = 'not_modified'
    GROUP BY run_id, source_id
),
history AS (
    SELECT sr.source_id, sr.status, sr.error, sr.links_found, sr.articles_fetched, r.started_at,
           coalesce(sr.articles_fetched, 0) + coalesce(sr.articles_failed, 0) AS attempted,
           sr.status IN ('ok', 'partial') AND coalesce(sr.pages, 0) > 0
               AND coalesce(sr.links_found, 0) = 0 AND coalesce(nm.pages, 0) = 0 AS zero_yield,
           row_number() OVER (PARTITION BY sr.source_id
                              ORDER BY r.started_at DESC, sr.run_id DESC) AS recency
    FROM source_runs AS sr
    JOIN runs AS r USING (run_id)
    LEFT JOIN not_modified AS nm USING (run_id, source_id)
    WHERE r.mode <> 'reparse'
),
per_source AS (
    SELECT source_id,
           count(*) AS runs,
           max(started_at) AS last_run_at,
           max(started_at) FILTER (WHERE status IN ('ok', 'partial')) AS last_success_at,
           min(recency) FILTER (WHERE status IN ('ok', 'partial')) AS latest_success_recency,
           min(recency) FILTER (WHERE NOT zero_yield) AS latest_yield_recency,
           avg(links_found) AS avg_items_per_run,
           arg_max(error, started_at) FILTER (WHERE error IS NOT NULL) AS last_error,
           max(started_at) FILTER (WHERE error IS NOT NULL) AS last_error_at,
           sum(articles_fetched) FILTER (WHERE recency > 1 AND attempted > 0)
               / nullif(sum(attempted) FILTER (WHERE recency > 1 AND attempted > 0), 0)
               AS usual_yield
    FROM history
    GROUP BY source_id
),
latest AS (
    SELECT source_id, status, error, links_found, articles_fetched, attempted,
           articles_fetched / nullif(attempted, 0) AS last_yield
    FROM history
    WHERE recency = 1
),
scored AS (
    SELECT s.source_id, s.name, s.region, s.language, p.last_run_at, p.last_success_at,
           CAST(coalesce(p.latest_success_recency - 1, p.runs, 0) AS INTEGER)
               AS consecutive_failures,
           l.links_found AS items_last_run, p.avg_items_per_run, l.status AS last_status,
           p.last_error, p.last_error_at, l.articles_fetched AS articles_last_run,
           CAST(coalesce(p.runs, 0) AS INTEGER) AS runs,
           CAST(coalesce(p.latest_yield_recency - 1, p.runs, 0) AS INTEGER) AS zero_yield_runs,
           l.last_yield AS extraction_yield_last_run, p.usual_yield AS extraction_yield_usual,
           l.attempted AS articles_attempted_last_run, l.error AS last_run_error
    FROM sources AS s
    LEFT JOIN per_source AS p USING (source_id)
    LEFT JOIN latest AS l USING (source_id)
),
judged AS (
    SELECT sc.*,
           CASE
               WHEN last_status IS NULL THEN 'none'
               WHEN last_status = 'blocked' THEN 'blocked'
               WHEN consecutive_failures >= st.broken_after THEN 'failures'
               WHEN zero_yield_runs >= st.zero_yield_limit THEN 'zero_yield'
               WHEN last_status IN ('failed', 'partial') THEN 'last_run'
               WHEN zero_yield_runs > 0 THEN 'zero_yield'
               WHEN articles_attempted_last_run >= st.min_articles
                    AND extraction_yield_usual - extraction_yield_last_run >= st.yield_drop
                   THEN 'yield_drop'
               ELSE 'ok'
           END AS finding,
           CASE
               WHEN last_status IS NULL THEN 'unknown'
               WHEN last_status = 'blocked' THEN 'blocked'
               WHEN consecutive_failures >= st.broken_after THEN 'broken'
               WHEN zero_yield_runs >= st.zero_yield_limit THEN 'broken'
               WHEN last_status IN ('failed', 'partial') THEN 'degraded'
               WHEN zero_yield_runs > 0 THEN 'degraded'
               WHEN articles_attempted_last_run >= st.min_articles
                    AND extraction_yield_usual - extraction_yield_last_run >= st.yield_drop
                   THEN 'degraded'
               ELSE 'ok'
           END AS health
    FROM scored AS sc
    CROSS JOIN setting AS st
)
SELECT source_id, name, region, language, last_run_at, last_success_at, consecutive_failures,
       items_last_run, avg_items_per_run, last_status, last_error, health,
       last_error_at, articles_last_run, runs,
       zero_yield_runs, extraction_yield_last_run, extraction_yield_usual,
       CASE finding
           WHEN 'none' THEN 'not run yet'
           WHEN 'blocked' THEN 'blocked by the site: ' || coalesce(last_run_error, 'block page')
           WHEN 'failures' THEN consecutive_failures || ' runs in a row failed; last error: '
               || coalesce(last_error, 'unknown')
           WHEN 'zero_yield' THEN 'list pages gave no article links in the last '
               || zero_yield_runs || ' run' || CASE WHEN zero_yield_runs = 1 THEN '' ELSE 's' END
               || ' (the list selectors may no longer match the site)'
           WHEN 'last_run' THEN 'last run ' || last_status || ': '
               || coalesce(last_run_error, 'no reason recorded')
           WHEN 'yield_drop' THEN 'extraction yield fell to '
               || CAST(round(100 * extraction_yield_last_run) AS INTEGER) || '% of fetched articles (usually '
               || CAST(round(100 * extraction_yield_usual) AS INTEGER)
               || '%): the article selectors may no longer match'
           ELSE NULL
       END AS health_reason
FROM judged;

COMMENT ON VIEW source_health IS
    'Per source: last run and success, consecutive failures, items (article links) per run, '
    'zero-yield runs, extraction yield, health ok|degraded|broken|blocked (unknown before its '
    'first run) and the reason in words (health_reason); thresholds in settings.';
