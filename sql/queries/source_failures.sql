-- Failed requests per source and outcome in the latest run, with one example URL and error.
WITH latest_run AS (
    SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT f.source_id,
       f.kind,
       f.outcome,
       count(*) AS requests,
       arg_max(f.url, f.fetched_at) AS example_url,
       arg_max(f.error, f.fetched_at) AS example_error,
       h.health
FROM fetch_log AS f
JOIN latest_run USING (run_id)
LEFT JOIN source_health AS h USING (source_id)
WHERE f.outcome NOT IN ('ok', 'not_modified', 'skipped')
GROUP BY f.source_id, f.kind, f.outcome, h.health
ORDER BY f.source_id, requests DESC;
