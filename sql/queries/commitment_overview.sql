-- Every commitment with what has been found for it, grouped by field; evidence, not verdicts.
SELECT field,
       commitment_id,
       title_en,
       followups,
       first_followup,
       last_followup,
       status
FROM commitment_status
ORDER BY field, followups DESC, commitment_id;
