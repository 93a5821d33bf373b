-- Fixtures for bench/history.sh, loaded as superuser into a fresh database with the extension.
-- psql variables: size (transactions), members, merchants (bulk + day merchants), day_merchants,
-- day_tx (transactions per day of each day merchant), months (history length, ending this month).
--
-- Everything the scripts need lives in schema `hist`, outside the extension:
--   hist.params            the layout: history start, end, row spacing, share of day merchants
--   hist.member_id(i)      the uuid of member i (1..members), given at insert: the scripts pass
--                          it as p_member_id without a lookup
--   hist.merchant_id(i)    the uuid of merchant i, code 'M' || lpad(i, 3, '0')
--   hist.cards (i, card_id) member i's standard card (issued by the member trigger)
--   hist.fill(first, last, t0, t1, merchant, worker, workers)   writes transactions
--                          first..last, evenly spaced over [t0, t1), one INSERT ... SELECT
--                          generate_series per month (hist.fill_history: the whole history)
--   hist.settle_before(t, worker, workers)   settles the bulk merchants' months before t
--   hist.tx_no(n)          the number of transaction n: PAY/REF/RCG || lpad(n, 20, '0')
--
-- Transaction n (all derived from n, so a refund can name its payment, and the scripts can name
-- any transaction): n % 20 = 0 is a refund of half of payment n - 1 (same card and merchant, a
-- moment later), n % 20 = 10 an online recharge (no merchant), n % 20 = 5 a counter top-up at a
-- merchant, the rest payments; card, merchant and amount come from hashes of n (of n - 1 for a
-- refund), the id from md5. Rows are written directly (no RPC), with their tx_registry rows; card balances and points
-- are left as they are (0), which verify_ledger would report, and which no read here looks at.
--
-- Merchants: the first (merchants - day_merchants) share the bulk of the rows; the last
-- day_merchants ("day merchants") get the share of rows (drawn by a hash of n) that gives each of
-- them day_tx rows a day on average whatever the size, 5% of which are online recharges without
-- a merchant, so that settling one of their days settles as many lines at every size
-- (history.sh measures t_plus_1 settlement on them, and separately on the bulk merchants, whose
-- days grow with the size).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE SCHEMA hist;

CREATE FUNCTION hist.member_id(i int) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid;
CREATE FUNCTION hist.merchant_id(i int) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid;
CREATE FUNCTION hist.tx_no(n bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN n % 20 = 0 THEN 'REF' WHEN n % 20 IN (5, 10) THEN 'RCG' ELSE 'PAY' END || lpad(n::text, 20, '0');

-- The history: `months` UTC months ending with the current one, up to now.
CREATE TABLE hist.params AS
SELECT :size::bigint AS size,
       :members::int AS members,
       :merchants::int AS merchants,
       :day_merchants::int AS day_merchants,
       :day_tx::int AS day_tx,
       date_trunc('month', now()) - make_interval(months => :months - 1) AS t0,
       date_trunc('second', now()) AS t1;
ALTER TABLE hist.params ADD COLUMN day_share float8;
UPDATE hist.params
   SET day_share = day_merchants * day_tx * (extract(epoch FROM t1 - t0) / 86400) / size;
DO $$
BEGIN
  IF (SELECT day_share > 0.9 OR merchants - day_merchants < 1 FROM hist.params) THEN
    RAISE EXCEPTION 'day merchants would take % of % rows: raise the size or lower BENCH_HISTORY_DAY_TX',
      (SELECT round(day_share * 100) || '%' FROM hist.params), (SELECT size FROM hist.params);
  END IF;
END
$$;

-- Past partitions (install made this month's and the next three).
SELECT count(*) FILTER (WHERE sec.ensure_transaction_partition(m::date)) AS partitions_created
  FROM hist.params, generate_series(t0, t1, interval '1 month') m \gset

-- Members (the trigger issues each one's standard card) and merchants, written directly.
INSERT INTO app.member_profiles (id, name)
SELECT hist.member_id(i), 'history member ' || i FROM generate_series(1, :members) i;
CREATE TABLE hist.cards (i int PRIMARY KEY, card_id uuid NOT NULL);
INSERT INTO hist.cards
SELECT i, c.id FROM generate_series(1, :members) i
  JOIN app.member_cards c ON c.owner_member_id = hist.member_id(i) AND c.card_type = 'standard';
INSERT INTO app.merchants (id, code, name)
SELECT hist.merchant_id(i), 'M' || lpad(i::text, 3, '0'), 'History merchant ' || i FROM generate_series(1, :merchants) i;
ANALYZE app.member_profiles;
ANALYZE app.member_cards;
ANALYZE app.merchants;

-- Transactions p_first..p_last, evenly spaced over [p_t0, p_t1), one batch (INSERT ... SELECT
-- from generate_series, then its registry rows from RETURNING) and one COMMIT per month.
-- p_merchant: every row at that merchant (counter top-ups instead of online recharges);
-- otherwise the bulk / day merchant layout of hist.params. p_worker / p_workers: this call
-- writes the months whose number (0 = p_t0's) % p_workers = p_worker, so that several sessions
-- can write one history side by side.
CREATE PROCEDURE hist.fill(p_first bigint, p_last bigint, p_t0 timestamptz, p_t1 timestamptz, p_merchant uuid DEFAULT NULL,
                           p_worker int DEFAULT 0, p_workers int DEFAULT 1)
LANGUAGE plpgsql AS $$
DECLARE
  v_cards uuid[] := ARRAY(SELECT card_id FROM hist.cards ORDER BY i);
  ncards int := array_length(v_cards, 1);
  v_merchants uuid[];
  nbulk int;
  nday int;
  share float8;
  step float8 := extract(epoch FROM p_t1 - p_t0) / (p_last - p_first + 1);  -- seconds between rows
  m timestamptz := date_trunc('month', p_t0);
  a bigint;
  b bigint;
  t timestamptz;
  month_no int := 0;
BEGIN
  SELECT p.merchants - p.day_merchants, p.day_merchants, p.day_share INTO nbulk, nday, share FROM hist.params p;
  v_merchants := ARRAY(SELECT hist.merchant_id(i) FROM generate_series(1, nbulk + nday) i);
  WHILE m < p_t1 LOOP
    a := greatest(p_first, p_first + ceil(extract(epoch FROM m - p_t0) / step)::bigint);
    b := least(p_last, p_first - 1 + ceil(extract(epoch FROM (m + interval '1 month') - p_t0) / step)::bigint);
    IF a <= b AND month_no % p_workers = p_worker THEN
      t := clock_timestamp();
      WITH g AS (
        SELECT n, k, src,
               p_t0 + make_interval(secs => (n - p_first) * step) AS at,
               CASE WHEN k = 0 AND n > p_first THEN 'refund' WHEN k IN (5, 10) THEN 'recharge' ELSE 'payment' END::app.tx_type AS typ,
               v_cards[(1 + (hashint8extended(src, 1) & 9223372036854775807) % ncards)::int] AS card,
               CASE WHEN p_merchant IS NOT NULL THEN p_merchant
                    WHEN k = 10 THEN NULL
                    WHEN (hashint8extended(src, 4) & 9223372036854775807) < share * 9223372036854775807
                      THEN v_merchants[(nbulk + 1 + (hashint8extended(src, 5) & 9223372036854775807) % nday)::int]
                    ELSE v_merchants[(1 + (hashint8extended(src, 2) & 9223372036854775807) % nbulk)::int] END AS merchant,
               (100 + (hashint8extended(src, 3) & 9223372036854775807) % 19901) / 100.0 AS amount
          FROM (SELECT n, n % 20 AS k, CASE WHEN n % 20 = 0 AND n > p_first THEN n - 1 ELSE n END AS src
                  FROM generate_series(a, b) n) s),
      ins AS (
        INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, discount_applied,
                                      final_amount, points_earned, status, payment_method, original_tx_id,
                                      actor_role, created_at)
        SELECT md5('tx' || n)::uuid, hist.tx_no(n), typ, card, merchant,
               CASE WHEN typ = 'refund' THEN round(amount / 2, 2) ELSE amount END,
               CASE WHEN typ = 'payment' THEN 1.000 END,
               CASE WHEN typ = 'refund' THEN round(amount / 2, 2) ELSE amount END,
               CASE WHEN typ = 'payment' THEN floor(amount)::bigint ELSE 0 END,
               'completed',
               CASE WHEN typ = 'recharge' THEN CASE WHEN merchant IS NULL THEN 'wechat' ELSE 'cash' END END,
               CASE WHEN typ = 'refund' THEN md5('tx' || src)::uuid END,
               CASE WHEN typ = 'recharge' AND merchant IS NULL THEN 'service_role' ELSE 'authenticated' END,
               at
          FROM g
        RETURNING tx_no, id, created_at, tx_type, card_id, merchant_id)
      INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
      SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM ins;
      COMMIT;
      RAISE NOTICE 'history: % rows %..% (%) in % s', to_char(m, 'YYYY-MM'), a, b, b - a + 1,
        round(extract(epoch FROM clock_timestamp() - t)::numeric, 1);
    END IF;
    m := m + interval '1 month';
    month_no := month_no + 1;
  END LOOP;
END
$$;

-- The whole history of hist.params (this worker's months).
CREATE PROCEDURE hist.fill_history(p_worker int DEFAULT 0, p_workers int DEFAULT 1)
LANGUAGE plpgsql AS $$
DECLARE
  p hist.params;
BEGIN
  SELECT * INTO p FROM hist.params;
  CALL hist.fill(1, p.size, p.t0, p.t1, NULL, p_worker, p_workers);
END
$$;

-- Settles the bulk merchants' months that begin before p_before, set-based, as monthly
-- generate_settlement calls would have (paid; figures from the lines), so that
-- app.settlement_lines holds most of the history, as it does in a database that has been
-- settling for two years: settling a new day then probes a large lines table. The day merchants
-- and the newer months stay unsettled for the measurements. Months are shared out among workers
-- as in hist.fill. The lines name settlements made in the same transaction: their foreign key
-- is not checked row by row (session_replication_role = replica skips the trigger).
CREATE PROCEDURE hist.settle_before(p_before timestamptz, p_worker int DEFAULT 0, p_workers int DEFAULT 1)
LANGUAGE plpgsql AS $$
DECLARE
  p hist.params;
  m timestamptz;
  month_no int := 0;
  t timestamptz;
  n bigint;
BEGIN
  SELECT * INTO p FROM hist.params;
  m := p.t0;
  WHILE m < p_before LOOP
    IF month_no % p_workers = p_worker THEN
      t := clock_timestamp();
      PERFORM set_config('session_replication_role', 'replica', true);
      INSERT INTO app.settlements (merchant_id, mode, period_start, period_end, due_at, status, status_changed_at, created_at)
      SELECT hist.merchant_id(i), 'monthly', m, m + interval '1 month', m + interval '1 month 9 days', 'paid',
             m + interval '1 month 9 days', m + interval '1 month 1 day'
        FROM generate_series(1, p.merchants - p.day_merchants) i;
      WITH l AS (
        INSERT INTO app.settlement_lines (tx_id, tx_created_at, settlement_id, merchant_id, tx_no, kind, card_id,
                                          raw_amount, amount)
        SELECT t.id, t.created_at, s.id, t.merchant_id, t.tx_no,
               CASE WHEN t.tx_type = 'refund' THEN 'refund' WHEN t.tx_type = 'recharge' THEN 'counter_topup' ELSE 'payment' END,
               t.card_id, t.raw_amount, t.final_amount
          FROM app.settlements s
          JOIN app.transactions t ON t.merchant_id = s.merchant_id AND t.created_at >= s.period_start AND t.created_at < s.period_end
         WHERE s.mode = 'monthly' AND s.period_start = m AND s.status = 'paid'
           AND t.tx_type IN ('payment', 'refund', 'recharge') AND t.status IN ('completed', 'refunded')
        RETURNING settlement_id, kind, amount),
      a AS (
        SELECT settlement_id,
               count(*) FILTER (WHERE kind = 'payment') AS pc, COALESCE(sum(amount) FILTER (WHERE kind = 'payment'), 0) AS pt,
               count(*) FILTER (WHERE kind = 'refund') AS rc, COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS rt,
               count(*) FILTER (WHERE kind = 'counter_topup') AS tc, COALESCE(sum(amount) FILTER (WHERE kind = 'counter_topup'), 0) AS tt
          FROM l GROUP BY settlement_id),
      u AS (
        UPDATE app.settlements s
           SET payments_count = a.pc, payments_total = a.pt, refunds_count = a.rc, refunds_total = a.rt,
               topups_count = a.tc, topups_total = a.tt, net_total = a.pt - a.rt - a.tt
          FROM a WHERE s.id = a.settlement_id
        RETURNING s.payments_count + s.refunds_count + s.topups_count AS lines)
      SELECT sum(lines) INTO n FROM u;
      COMMIT;
      RAISE NOTICE 'settled history: % (% lines) in % s', to_char(m, 'YYYY-MM'), n,
        round(extract(epoch FROM clock_timestamp() - t)::numeric, 1);
    END IF;
    m := m + interval '1 month';
    month_no := month_no + 1;
  END LOOP;
END
$$;
