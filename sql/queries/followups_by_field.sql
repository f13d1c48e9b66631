-- Follow-ups per commitment field: how many releases, from how many sources, first and latest.
SELECT field,
       count(DISTINCT url) AS releases,
       count(DISTINCT source_id) AS sources,
       count(DISTINCT commitment_id) AS commitments,
       min(published_on) AS first_published,
       max(published_on) AS latest_published
FROM followups
GROUP BY field
ORDER BY releases DESC, field;
