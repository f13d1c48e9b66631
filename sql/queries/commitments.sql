-- The commitment ids `yrdwatch label` and the views use, with their fields and titles.
SELECT commitment_id,
       field,
       kind,
       region,
       title_en,
       title_zh
FROM commitments
ORDER BY field, commitment_id;
