-- Releases edited after first publication, with how many versions each has.
SELECT r.source_id,
       r.title,
       r.version,
       r.first_seen_at,
       r.last_changed_at,
       r.url
FROM releases AS r
WHERE r.version > 1
ORDER BY r.last_changed_at DESC;
