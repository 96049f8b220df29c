-- The reviews mart: one row per review, written by the reviews-mart flow (toPostgres, key review_id).
-- npm start runs this file before the flows start; on AWS the data stack runs it (mart-schema custom resource),
-- and for an existing database `npm run mart-sql -- <database>` prints it with the flows' user and grants.
CREATE TABLE IF NOT EXISTS review_facts (
  review_id        text PRIMARY KEY,
  customer_id      text NOT NULL,
  product_id       text NOT NULL,
  rating           smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title            text NOT NULL,
  country          text,
  created_at       timestamptz NOT NULL,
  customer_tier    text,
  product_category text NOT NULL,
  price_cents      integer,
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS review_facts_by_category ON review_facts (product_category, rating);
