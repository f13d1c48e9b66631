-- One line per source for run summaries: health, links found on its lists, last error.
SELECT source_id,
       health,
       items_last_run AS links_listed,
       left(coalesce(last_error, ''), 90) AS last_error
FROM source_health
ORDER BY CASE health WHEN 'blocked' THEN 1 WHEN 'broken' THEN 2 WHEN 'degraded' THEN 3
                     WHEN 'unknown' THEN 4 ELSE 5 END,
         source_id;
