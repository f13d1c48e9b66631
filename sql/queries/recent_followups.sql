-- The 50 most recent follow-up releases, newest first, with their commitments and story.
-- story: '' alone, 'first of N' when N releases tell it, else 'copy' or 'translation'.
WITH story_sizes AS (
    SELECT story_id, count(*) AS releases FROM release_stories GROUP BY story_id
)
SELECT f.published_on,
       f.source_id,
       f.title,
       string_agg(DISTINCT f.field, ', ' ORDER BY f.field) AS fields,
       string_agg(f.commitment_id, ', ' ORDER BY f.score DESC) AS commitments,
       round(max(f.score), 3) AS best_score,
       CASE WHEN any_value(st.reason) <> 'first' THEN any_value(st.reason)
            WHEN any_value(sz.releases) > 1 THEN 'first of ' || any_value(sz.releases)
            ELSE '' END AS story,
       f.url
FROM followups AS f
LEFT JOIN release_stories AS st ON st.url = f.url
LEFT JOIN story_sizes AS sz ON sz.story_id = st.story_id
GROUP BY f.url, f.published_on, f.source_id, f.title
ORDER BY f.published_on DESC NULLS LAST, f.url
LIMIT 50;
