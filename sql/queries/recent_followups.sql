-- The 50 most recent follow-up releases, newest first, with the commitments each one follows up.
SELECT published_on,
       source_id,
       title,
       string_agg(DISTINCT field, ', ' ORDER BY field) AS fields,
       string_agg(commitment_id, ', ' ORDER BY score DESC) AS commitments,
       round(max(score), 3) AS best_score,
       url
FROM followups
GROUP BY url, published_on, source_id, title
ORDER BY published_on DESC NULLS LAST, url
LIMIT 50;
