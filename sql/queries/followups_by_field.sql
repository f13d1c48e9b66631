-- Follow-ups per commitment field: stories, releases, sources, commitments, first and latest.
-- A story is counted once however many reprints and translations tell it.
SELECT field,
       count(DISTINCT coalesce(story_id, url)) AS stories,
       count(DISTINCT url) AS releases,
       count(DISTINCT source_id) AS sources,
       count(DISTINCT commitment_id) AS commitments,
       min(published_on) AS first_published,
       max(published_on) AS latest_published
FROM followups
GROUP BY field
ORDER BY stories DESC, releases DESC, field;
