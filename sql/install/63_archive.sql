-- Archiving old months of app.transactions (app.archive_partitions, src/rpc/partitions.cpp;
-- ARCHITECTURE.md §10). Run by install and every upgrade.
--
-- A month is archived whole: its partition is detached and moved, rows intact, into schema
-- archive, and app.archived_months / app.archived_card_totals record what its rows added up to,
-- so that app.verify_ledger proves every balance as Σ carried totals + Σ live rows, also once
-- the archived table is exported and dropped. The registries (tx_registry, idempotency and
-- order keys) keep their rows: numbers and keys stay unique forever.

-- What one month's rows add up to, in one scan: rows, Σ signed amounts (app.verify_ledger's
-- card_balance rule: completed and refunded rows, payments negative), cards, per tx_type/status
-- totals; and how many cards' rows differ from their carried totals for p_month (either way).
CREATE OR REPLACE FUNCTION sec.archive_month_check(p_table regclass, p_month date)
RETURNS TABLE (tx_count bigint, balance_total numeric, cards bigint, totals jsonb, carry_mismatches bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH g AS MATERIALIZED (
      SELECT t.card_id, t.tx_type::text || '/' || t.status::text AS kind, count(*) AS n, sum(t.raw_amount) AS raw,
             sum(t.final_amount) AS fin, sum(t.points_earned) AS pts,
             COALESCE(sum(CASE WHEN t.tx_type = 'payment' THEN -t.final_amount ELSE t.final_amount END)
                        FILTER (WHERE t.status IN ('completed', 'refunded')), 0) AS bal
        FROM %s t GROUP BY 1, 2),
    k AS (SELECT card_id, sum(n)::bigint AS n, sum(bal) AS bal FROM g GROUP BY card_id),
    s AS (SELECT kind, sum(n) AS n, sum(raw) AS raw, sum(fin) AS fin, sum(pts) AS pts FROM g GROUP BY kind)
    SELECT (SELECT COALESCE(sum(n), 0)::bigint FROM k),
           (SELECT COALESCE(sum(bal), 0) FROM k),
           (SELECT count(*) FROM k),
           (SELECT COALESCE(jsonb_object_agg(kind, jsonb_build_object('rows', n, 'raw', raw, 'final', fin, 'points', pts)),
                            '{}'::jsonb) FROM s),
           (SELECT count(*) FROM k
              FULL JOIN (SELECT * FROM app.archived_card_totals WHERE month = $1) c ON c.card_id = k.card_id
             WHERE (k.n, k.bal) IS DISTINCT FROM (c.tx_count, c.balance_delta))$q$, p_table)
  USING p_month;
END
$$;

-- Archives every month past the retention (its whole UTC month ended more than p_keep_months
-- months ago), oldest first; returns one row per month archived, and one 'held' row for the
-- first month it had to leave live with the reason (the months after it wait too, so that
-- archived months always precede live ones). A month is held while
--   * a payment, refund or counter top-up of it at a merchant is not settled: archived, it would
--     never be (generate_settlement reads live rows), and the merchant's money would be lost;
--   * a refund of it refunds a payment of a month that stays live (a refund's row carries its
--     transaction's start, which can precede its payment's): that payment's refunded total must
--     stay readable in full, or it could be refunded twice;
--   * its partition does not hold exactly one UTC month under its own name.
-- Every step is verified in the caller's transaction: each month is locked against writes,
-- counted and summed, each card's carried totals recorded and checked; then each is detached,
-- moved (the same storage) and counted again; any difference raises ARCHIVE_VERIFICATION_FAILED
-- and rolls it all back. Detaching takes app.transactions' ACCESS EXCLUSIVE lock until commit
-- (payments wait for one count of each month archived): lock_timeout is 3 s here, so a long
-- reader makes the job fail (retry) rather than queue every payment behind it. A refund that read the month after it was locked and then marks
-- its payment refunded waits for the archive while the detach waits for it: PostgreSQL aborts one
-- of the two (40P01, retry); nothing is half done. Needs READ COMMITTED (checked by the RPC).
CREATE OR REPLACE FUNCTION sec.archive_transaction_partitions(p_keep_months integer, p_actor uuid, p_actor_role text)
RETURNS TABLE (month date, table_name text, tx_count bigint, balance_total numeric, cards bigint, outcome text, note text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '3s'
AS $$
DECLARE
  cur date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  months date[] := '{}';
  parts regclass[] := '{}';
  whole boolean[] := '{}';
  unsettled bigint[] := '{}';
  originals timestamptz[] := '{}';  -- per month: the latest payment its refunds refund
  p record;
  u bigint;
  o timestamptz;
  n integer;
  keep integer := 0;
  before record;
  counts bigint[] := '{}';
  balances numeric[] := '{}';
  card_counts bigint[] := '{}';
  figures jsonb[] := '{}';
  files oid[] := '{}';
  rows_after bigint;
BEGIN
  IF p_keep_months IS NULL OR p_keep_months < 1 OR p_keep_months > 1200 THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = '22023',
      DETAIL = 'The retention must be between 1 and 1200 months.';
  END IF;
  -- One archiver at a time.
  LOCK TABLE app.archived_months IN SHARE ROW EXCLUSIVE MODE;
  -- The months past the retention, oldest first, each locked against writes (a refund marking
  -- an old payment refunded) before it is read; the current and future months never qualify.
  FOR p IN SELECT t.month, t.partition, t.whole_month FROM sec.transaction_partitions() t
            WHERE t.month < cur
              AND (t.month + make_interval(months => 1 + p_keep_months))::timestamp AT TIME ZONE 'UTC' <= now()
            ORDER BY t.month
  LOOP
    EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', p.partition);
    EXECUTE format($q$
      SELECT count(*) FILTER (WHERE t.merchant_id IS NOT NULL AND t.tx_type IN ('payment', 'refund', 'recharge')
                                AND t.status IN ('completed', 'refunded')
                                AND NOT EXISTS (SELECT 1 FROM app.settlement_lines l WHERE l.tx_id = t.id)
                                AND NOT EXISTS (SELECT 1 FROM app.settlements s
                                                 WHERE s.legacy AND s.merchant_id = t.merchant_id
                                                   AND t.created_at >= s.period_start AND t.created_at < s.period_end)),
             max(o.created_at)
        FROM %s t LEFT JOIN app.tx_registry o ON t.tx_type = 'refund' AND o.tx_id = t.original_tx_id$q$, p.partition)
      INTO u, o;
    months := months || p.month;
    parts := parts || p.partition;
    whole := whole || p.whole_month;
    unsettled := unsettled || u;
    originals := originals || o;
    -- The months after one that must stay live wait with it: neither locked nor read.
    EXIT WHEN NOT p.whole_month OR u > 0;
  END LOOP;
  n := coalesce(array_length(months, 1), 0);
  -- The longest run from the oldest month with nothing unsettled, each month whole, whose
  -- refunds refund only payments of the run.
  WHILE keep < n AND whole[keep + 1] AND unsettled[keep + 1] = 0 LOOP
    keep := keep + 1;
  END LOOP;
  WHILE keep > 0 AND (SELECT max(x) FROM unnest(originals[1:keep]) x)
                     >= (months[keep] + interval '1 month')::timestamp AT TIME ZONE 'UTC' LOOP
    keep := keep - 1;
  END LOOP;

  -- First every month's carried totals and figures, while app.transactions is still open to
  -- payments; then every detach (each takes app.transactions' ACCESS EXCLUSIVE lock, held to the
  -- commit), so that nothing after the first detach waits for a card a payment may hold.
  FOR i IN 1 .. keep LOOP
    EXECUTE format($q$
      INSERT INTO app.archived_card_totals (card_id, month, tx_count, balance_delta)
      SELECT t.card_id, $1, count(*),
             COALESCE(sum(CASE WHEN t.tx_type = 'payment' THEN -t.final_amount ELSE t.final_amount END)
                        FILTER (WHERE t.status IN ('completed', 'refunded')), 0)
        FROM %s t GROUP BY t.card_id$q$, parts[i]) USING months[i];
    SELECT * INTO before FROM sec.archive_month_check(parts[i], months[i]);
    IF before.carry_mismatches <> 0 THEN
      RAISE EXCEPTION 'ARCHIVE_VERIFICATION_FAILED' USING ERRCODE = 'XX000',
        DETAIL = format('%s: %s cards differ from their carried totals.', to_char(months[i], 'YYYY-MM'),
                        before.carry_mismatches),
        HINT = 'Nothing was archived. Run app.verify_ledger() and look for writes to the month.';
    END IF;
    counts := counts || before.tx_count;
    balances := balances || before.balance_total;
    card_counts := card_counts || before.cards;
    figures := figures || before.totals;
    files := files || (SELECT c.relfilenode FROM pg_class c WHERE c.oid = parts[i]);
  END LOOP;

  FOR i IN 1 .. keep LOOP
    EXECUTE format('ALTER TABLE app.transactions DETACH PARTITION %s', parts[i]);
    EXECUTE format('ALTER TABLE %s SET SCHEMA archive', parts[i]);
    -- (The same table, now archive.<name>: a regclass is its oid.) Its storage is the one that
    -- was summed (nothing was written since: the month is locked against writes), and it is
    -- counted again.
    EXECUTE format('SELECT count(*) FROM %s', parts[i]) INTO rows_after;
    IF rows_after <> counts[i]
       OR (SELECT c.relfilenode <> files[i] OR c.relnamespace <> 'archive'::regnamespace FROM pg_class c WHERE c.oid = parts[i]) THEN
      RAISE EXCEPTION 'ARCHIVE_VERIFICATION_FAILED' USING ERRCODE = 'XX000',
        DETAIL = format('%s: %s rows before the move, %s after.', to_char(months[i], 'YYYY-MM'), counts[i], rows_after),
        HINT = 'Nothing was archived. Run app.verify_ledger() and look for writes to the month.';
    END IF;
    INSERT INTO app.archived_months AS a (month, table_name, tx_count, balance_total, cards, totals, archived_by, archived_by_role)
    SELECT months[i], c.relname, counts[i], balances[i], card_counts[i], figures[i], p_actor, p_actor_role
      FROM pg_class c WHERE c.oid = parts[i];
    month := months[i];
    table_name := parts[i]::text;
    tx_count := counts[i];
    balance_total := balances[i];
    cards := card_counts[i];
    outcome := 'archived';
    note := NULL;
    RETURN NEXT;
  END LOOP;

  IF keep < n THEN
    month := months[keep + 1];
    table_name := parts[keep + 1]::text;
    tx_count := NULL;
    balance_total := NULL;
    cards := NULL;
    outcome := 'held';
    note := CASE
      WHEN NOT whole[keep + 1] THEN 'the partition does not hold exactly one UTC month under its own name'
      WHEN unsettled[keep + 1] > 0 THEN format('%s payments, refunds or counter top-ups at merchants are not settled yet (generate_settlement)',
                                              unsettled[keep + 1])
      ELSE 'a refund of this month refunds a payment of a later month, which stays live' END;
    RETURN NEXT;
  END IF;
END
$$;

-- app.verify_ledger()'s archive checks, one row per violation:
--   archive_month       an archived month's record disagrees with its carried totals (rows,
--                       Σ balance, cards) or with its tx_registry rows (one per archived row),
--                       carried totals of a month that is not archived or of a card that does
--                       not exist, or an archived month that has a live partition again;
--   archive_table       an archived table still in schema archive whose rows no longer add up
--                       to its record, or whose cards' rows differ from their carried totals
--                       (an exported and dropped table is not checked: its record stands for it);
--   archive_unrecorded  a transactions table detached from app.transactions, or a table in
--                       schema archive, that no archived month records.
CREATE OR REPLACE FUNCTION sec.archive_violations()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a record;
  f record;
  t regclass;
BEGIN
  IF EXISTS (SELECT 1 FROM app.archived_months) OR EXISTS (SELECT 1 FROM app.archived_card_totals) THEN
    RETURN QUERY
    WITH c AS (SELECT k.month, count(*) AS cards, sum(k.tx_count) AS n, sum(k.balance_delta) AS total
                 FROM app.archived_card_totals k GROUP BY k.month),
         g AS (SELECT date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date AS month, count(*) AS n
                 FROM app.tx_registry r
                WHERE date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date IN (SELECT m.month FROM app.archived_months m)
                GROUP BY 1)
    SELECT 'archive_month', to_char(m.month, 'YYYY-MM'),
           format('recorded %s rows, balance %s, %s cards; carried totals say %s rows, balance %s, %s cards; tx_registry has %s rows',
                  m.tx_count, m.balance_total, m.cards, COALESCE(c.n, 0), COALESCE(c.total, 0), COALESCE(c.cards, 0),
                  COALESCE(g.n, 0))
      FROM app.archived_months m LEFT JOIN c ON c.month = m.month LEFT JOIN g ON g.month = m.month
     WHERE (COALESCE(c.n, 0), COALESCE(c.total, 0), COALESCE(c.cards, 0), COALESCE(g.n, 0))
           IS DISTINCT FROM (m.tx_count::numeric, m.balance_total, m.cards, m.tx_count)
    UNION ALL
    SELECT 'archive_month', to_char(c.month, 'YYYY-MM'), 'carried totals of a month that is not archived'
      FROM c WHERE NOT EXISTS (SELECT 1 FROM app.archived_months m WHERE m.month = c.month)
    UNION ALL
    SELECT 'archive_month', to_char(k.month, 'YYYY-MM'), format('carried totals of a card that does not exist: %s', k.card_id)
      FROM app.archived_card_totals k WHERE NOT EXISTS (SELECT 1 FROM app.member_cards mc WHERE mc.id = k.card_id)
    UNION ALL
    SELECT 'archive_month', to_char(m.month, 'YYYY-MM'), format('archived month has a live partition again: %s', p.partition)
      FROM app.archived_months m JOIN sec.transaction_partitions() p ON p.month = m.month;
  END IF;

  FOR a IN SELECT * FROM app.archived_months ORDER BY month LOOP
    t := to_regclass(format('archive.%I', a.table_name));
    CONTINUE WHEN t IS NULL;
    SELECT * INTO f FROM sec.archive_month_check(t, a.month);
    IF (f.tx_count, f.balance_total, f.cards, f.totals) IS DISTINCT FROM (a.tx_count, a.balance_total, a.cards, a.totals) THEN
      invariant := 'archive_table';
      object_id := t::text;
      detail := format('rows %s, balance %s, %s cards%s; recorded %s, %s, %s', f.tx_count, f.balance_total, f.cards,
                       CASE WHEN f.totals IS DISTINCT FROM a.totals THEN ', totals per tx_type/status differ' ELSE '' END,
                       a.tx_count, a.balance_total, a.cards);
      RETURN NEXT;
    END IF;
    IF f.carry_mismatches <> 0 THEN
      invariant := 'archive_table';
      object_id := t::text;
      detail := format('%s cards'' rows differ from their carried totals', f.carry_mismatches);
      RETURN NEXT;
    END IF;
  END LOOP;

  RETURN QUERY
  SELECT 'archive_unrecorded', c.oid::regclass::text,
         'a transactions table outside app.transactions that no archived month records'
    FROM pg_class c
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND ((c.relnamespace = 'app'::regnamespace AND c.relname ~ '^transactions_y[0-9]{4}m[0-9]{2}$')
          OR (c.relnamespace = 'archive'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM app.archived_months m WHERE m.table_name = c.relname)))
   ORDER BY 2;
END
$$;
