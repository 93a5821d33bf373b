-- The ledger after every money test (issue #3; last in the schedule): the shipped checker
-- app.verify_ledger() finds no violated invariant, every transaction has its audit row and
-- every points change its ledger row, and the error catalog is pinned.
\set SHOW_CONTEXT never
\set VERBOSITY default

-- ARCHITECTURE.md §2 invariants: no rows.
SELECT * FROM app.verify_ledger();

-- Every transaction written by an RPC has exactly one audit row naming its tx_no, with the
-- same amount (counts are not printed: other tests may add transactions).
SELECT t.tx_type, count(*) > 0 AS some,
       bool_and(a.rows = 1) AS each_has_one_audit_row, bool_and(a.amount_matches) AS audit_amounts_match
  FROM app.transactions t
  LEFT JOIN LATERAL (SELECT count(*) AS rows, bool_and((e.context ->> 'amount')::numeric = t.final_amount) AS amount_matches
                       FROM audit.event_log e WHERE e.object_type = 'transaction' AND e.object_id = t.tx_no) a ON true
 GROUP BY t.tx_type ORDER BY t.tx_type;
-- Every transaction that changed points has exactly one point-ledger row with that change;
-- none that did not.
SELECT count(*) > 0 AS some,
       bool_and((SELECT count(*) FROM app.point_ledger l WHERE l.tx_id = t.id AND l.delta = t.points_earned) = 1) AS each_has_its_ledger_row
  FROM app.transactions t WHERE t.points_earned <> 0;
SELECT count(*) AS ledger_rows_without_points_change
  FROM app.point_ledger l JOIN app.transactions t ON t.id = l.tx_id WHERE t.points_earned = 0;
-- Each card's point ledger is one unbroken chain from 0 to the card's points.
SELECT count(*) AS broken_chains FROM (
  SELECT l.card_id, l.balance_before, lag(l.balance_after, 1, 0::bigint) OVER (PARTITION BY l.card_id ORDER BY l.id) AS prev_after
    FROM app.point_ledger l) s
 WHERE s.balance_before <> s.prev_after;

-- The checker is for platform administrators only.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT * FROM app.verify_ledger();
\echo :SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE service_role;
SELECT count(*) AS violations_seen_by_service_role FROM app.verify_ledger();
COMMIT;

-- The error catalog: every code and its SQLSTATE (ARCHITECTURE.md §6).
SELECT code, sqlstate FROM app.error_catalog() ORDER BY code;
