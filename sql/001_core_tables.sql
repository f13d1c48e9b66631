-- Core tables of the yrdwatch warehouse (internal; analysts use the views of 002).
-- Timestamps are TIMESTAMPTZ; calendar dates are as seen in Asia/Shanghai.

CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    description VARCHAR
);

INSERT INTO settings VALUES
    ('link_threshold', '0.42', 'minimum link score for a release to count as a follow-up');

CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    region VARCHAR,
    language VARCHAR,
    cms VARCHAR,
    start_urls VARCHAR[],
    updated_at TIMESTAMPTZ
);

CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    mode VARCHAR NOT NULL,             -- live | demo | replay
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,           -- running | completed | failed
    sources_total INTEGER,
    sources_failed INTEGER,
    releases_new INTEGER,
    releases_changed INTEGER,
    links_new INTEGER,
    digest_path VARCHAR
);

CREATE TABLE source_runs (
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,           -- ok | partial | failed | blocked
    error VARCHAR,
    pages INTEGER,
    links_found INTEGER,
    articles_fetched INTEGER,
    articles_failed INTEGER,
    releases_new INTEGER,
    releases_changed INTEGER,
    PRIMARY KEY (run_id, source_id)
);

CREATE TABLE fetch_log (
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    kind VARCHAR,                      -- list | article | robots
    status INTEGER,
    bytes BIGINT,
    elapsed_ms DOUBLE,
    outcome VARCHAR,
    error VARCHAR,
    fetched_at TIMESTAMPTZ
);

CREATE TABLE release_current (
    url VARCHAR PRIMARY KEY,
    source_id VARCHAR NOT NULL,
    language VARCHAR,
    title VARCHAR,
    body VARCHAR,
    published_at TIMESTAMPTZ,
    published_on DATE,
    content_source VARCHAR,
    content_hash VARCHAR NOT NULL,
    methods JSON,
    attachments VARCHAR[],
    raw_sha256 VARCHAR,
    version INTEGER NOT NULL,
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    last_changed_at TIMESTAMPTZ,
    first_run_id VARCHAR,
    last_run_id VARCHAR
);

CREATE TABLE release_versions (
    url VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    title VARCHAR,
    body VARCHAR,
    published_at TIMESTAMPTZ,
    fetched_at TIMESTAMPTZ,
    run_id VARCHAR,
    PRIMARY KEY (url, version)
);

CREATE TABLE commitments (
    commitment_id VARCHAR PRIMARY KEY,
    field VARCHAR NOT NULL,            -- one of the eight top-level fields
    kind VARCHAR,                      -- key_field | mechanism | mission | province_role | plan
    title_en VARCHAR,
    title_zh VARCHAR,
    description VARCHAR,
    terms_en VARCHAR[],
    terms_zh VARCHAR[],
    seed_quote VARCHAR,
    region VARCHAR
);

CREATE TABLE links (
    url VARCHAR NOT NULL,
    commitment_id VARCHAR NOT NULL,
    content_hash VARCHAR,
    score DOUBLE,
    evidence JSON,
    method_version VARCHAR,
    run_id VARCHAR,
    linked_at TIMESTAMPTZ,
    PRIMARY KEY (url, commitment_id)
);

CREATE TABLE linked_releases (
    url VARCHAR PRIMARY KEY,
    content_hash VARCHAR,
    method_version VARCHAR,
    linked_at TIMESTAMPTZ,
    run_id VARCHAR,
    is_followup BOOLEAN,
    best_score DOUBLE
);
