-- List validators keep the crawler's whole record: besides ETag / Last-Modified / body hash,
-- the hash of the page's article links and when a 304 was last verified by a full fetch
-- (scrapers/crawl.py), so a stored validator behaves the same after a round trip.

ALTER TABLE list_validators ADD COLUMN links_sha256 VARCHAR;
ALTER TABLE list_validators ADD COLUMN verified_at TIMESTAMPTZ;
ALTER TABLE list_validators ADD COLUMN details JSON;
