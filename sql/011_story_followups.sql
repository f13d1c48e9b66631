-- Stories, not copies (issue 5): the commitments each STORY follows up. A story links a
-- commitment when any of its releases does, so a Chinese release and its English translation
-- (one story) show the same commitments here, and a reprint adds a release, not a row.

CREATE OR REPLACE VIEW story_followups AS
SELECT f.story_id,
       f.commitment_id,
       any_value(f.field) AS field,
       any_value(f.commitment_title) AS commitment_title,
       max(f.score) AS best_score,
       arg_max(f.url, f.score) AS best_url,
       arg_max(f.title, f.score) AS best_title,
       CAST(count(DISTINCT f.url) AS INTEGER) AS releases,
       list(DISTINCT f.language ORDER BY f.language) AS languages,
       min(f.published_on) AS first_published,
       max(f.published_on) AS latest_published,
       coalesce(bool_or(f.label = 'confirmed'), false) AS confirmed
FROM followups AS f
GROUP BY f.story_id, f.commitment_id;

COMMENT ON VIEW story_followups IS
    'One row per (story, commitment): a story follows up a commitment when any of its releases '
    '(original, reprints, translations) does; best_url is the release with the strongest evidence.';
