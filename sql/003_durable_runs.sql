-- Durable, incremental runs (issue 4): list-page validators for conditional requests and the
-- thresholds of source health. Runs may now also be 'interrupted' (left running by a killed
-- process, marked by the next run) and of mode 'reparse' (rebuilt from the raw archive).

CREATE TABLE list_validators (
    source_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    etag VARCHAR,
    last_modified VARCHAR,
    body_sha256 VARCHAR,
    checked_at TIMESTAMPTZ,
    conditional_ok BOOLEAN NOT NULL DEFAULT TRUE,  -- false: the server answered 304 wrongly
    PRIMARY KEY (source_id, url)
);

INSERT INTO settings VALUES
    ('health_zero_yield_runs', '3',
     'consecutive runs whose list pages gave no article links after which a source is broken'),
    ('health_yield_drop', '0.3',
     'drop of the extracted share of fetched articles, against the source''s history, that degrades it'),
    ('health_min_articles', '3',
     'articles a run must attempt before its extraction yield is judged'),
    ('recheck_days', '7',
     'articles published within this many days are re-fetched so edits are caught'),
    ('raw_retention_days', '180',
     'superseded raw responses older than this are pruned (the latest per URL is always kept)');
