-- The level ladder (app.membership_levels) is kept whole by the database: an exclusion
-- constraint rejects overlapping ranges at once; a deferred constraint trigger rejects, at
-- commit (or SET CONSTRAINTS ... IMMEDIATE), a ladder that does not start at 0, has a gap, has
-- a closed top, or whose levels/discounts do not follow the points. A reshaping whose
-- intermediate states are incomplete is accepted when the result is whole.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE TEMP VIEW ladder AS
  SELECT level, name, min_points, max_points, discount FROM app.membership_levels ORDER BY level;
SELECT * FROM ladder;

-- Overlapping ranges: rejected immediately by the exclusion constraint (23P01).
INSERT INTO app.membership_levels VALUES (4, 'Overlap', 500, 1500, 0.800);
\echo :LAST_ERROR_SQLSTATE
-- An open-ended range overlaps everything above its start.
INSERT INTO app.membership_levels VALUES (4, 'Above the top', 20000, NULL, 0.800);
\echo :LAST_ERROR_SQLSTATE
UPDATE app.membership_levels SET max_points = 5000 WHERE level = 1;
\echo :LAST_ERROR_SQLSTATE

-- A gap: accepted inside the transaction, rejected at COMMIT with LEVEL_LADDER_INVALID (23514).
BEGIN;
UPDATE app.membership_levels SET max_points = 899 WHERE level = 0;
SELECT level, min_points, max_points FROM ladder WHERE level <= 1;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM ladder;

-- The same, checked on demand with SET CONSTRAINTS ALL IMMEDIATE.
BEGIN;
DELETE FROM app.membership_levels WHERE level = 2;
SET CONSTRAINTS ALL IMMEDIATE;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- The lowest level must start at 0.
BEGIN;
UPDATE app.membership_levels SET min_points = 1 WHERE level = 0;
SET CONSTRAINTS ALL IMMEDIATE;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- The top level must be open-ended.
BEGIN;
UPDATE app.membership_levels SET max_points = 99999 WHERE level = 3;
COMMIT;
\echo :LAST_ERROR_SQLSTATE

-- Only one open-ended level, at the top.
BEGIN;
UPDATE app.membership_levels SET max_points = NULL WHERE level = 2;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- Level numbers and discounts follow the points: a higher range may not give a worse discount.
BEGIN;
UPDATE app.membership_levels SET discount = 0.960 WHERE level = 2;
COMMIT;
\echo :LAST_ERROR_SQLSTATE

-- An empty ladder is rejected too.
BEGIN;
DELETE FROM app.membership_levels;
COMMIT;
\echo :LAST_ERROR_SQLSTATE

-- Nothing of the rejected changes stayed.
SELECT * FROM ladder;

-- A valid reshaping in one transaction: shrink Silver, widen Gold, close Platinum and add a
-- Diamond level on top. The intermediate states have gaps; the result is whole.
BEGIN;
UPDATE app.membership_levels SET max_points = 2999 WHERE level = 1;
UPDATE app.membership_levels SET min_points = 3000 WHERE level = 2;
UPDATE app.membership_levels SET max_points = 49999 WHERE level = 3;
INSERT INTO app.membership_levels VALUES (4, 'Diamond', 50000, NULL, 0.800);
COMMIT;
SELECT * FROM ladder;

-- Back to the default ladder, again in one transaction.
BEGIN;
DELETE FROM app.membership_levels WHERE level = 4;
UPDATE app.membership_levels SET max_points = NULL WHERE level = 3;
UPDATE app.membership_levels SET min_points = 5000 WHERE level = 2;
UPDATE app.membership_levels SET max_points = 4999 WHERE level = 1;
COMMIT;
SELECT * FROM ladder;
DROP VIEW ladder;
\set SHOW_CONTEXT errors
