-- Review fixes after 012.
--
-- 1. Labels made before 012 have no content hash, so their label-time evidence was judged
--    current by the link's hash, which moves when the release is edited and relinked. Their
--    hash is the release version the analyst saw: the latest one fetched by the label's time.
UPDATE labels
SET content_hash = (
    SELECT v.content_hash
    FROM release_versions AS v
    WHERE v.url = labels.url AND v.fetched_at <= labels.labeled_at
    ORDER BY v.version DESC
    LIMIT 1
)
WHERE content_hash IS NULL;

-- 2. The run in which a link became a follow-up. links.run_id is the run that last (re)linked
--    the release, which a new method version moves for every release; the digest lists a
--    run's NEW follow-ups, so it needs the run a link first showed in followups. Kept across
--    relinks while the link stays a follow-up (warehouse/linking.py). Existing links start
--    from the run that linked them last: the best that is known.
ALTER TABLE links ADD COLUMN followup_since_run VARCHAR;
UPDATE links SET followup_since_run = run_id;
