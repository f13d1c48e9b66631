-- Sources that need attention first: blocked, broken, degraded, then healthy ones.
SELECT source_id,
       health,
       last_status,
       consecutive_failures,
       last_success_at,
       items_last_run,
       round(avg_items_per_run, 1) AS avg_items_per_run,
       last_error
FROM source_health
ORDER BY CASE health WHEN 'blocked' THEN 1 WHEN 'broken' THEN 2 WHEN 'degraded' THEN 3
                     WHEN 'unknown' THEN 4 ELSE 5 END,
         source_id;
