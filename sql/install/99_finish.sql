-- Partitions for the current month and the next three (a restore brings its own), and what
-- pg_dump must keep.

SELECT sec.ensure_transaction_partitions(3) WHERE NOT sec.restoring();

-- Rows of these tables are user data: pg_dump dumps them although the tables belong to the
-- extension (partitions are not members: pg_dump keeps them anyway). One statement per call:
-- each updates pg_extension.
DO $$
DECLARE
  t regclass;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'app.admin_users', 'app.membership_levels', 'app.member_profiles', 'app.member_external_identities',
    'app.member_cards', 'app.card_bindings', 'app.card_qr_state', 'app.card_qr_history',
    'app.merchants', 'app.merchant_users', 'app.settlements',
    'app.tx_registry', 'app.idempotency_registry', 'app.merchant_order_registry',
    'app.point_ledger', 'audit.event_log',
    'app.member_no_seq', 'app.card_no_seq', 'app.tx_no_seq',
    'app.card_qr_history_id_seq', 'app.point_ledger_id_seq', 'audit.event_log_id_seq'
  ]::regclass[] LOOP
    PERFORM pg_catalog.pg_extension_config_dump(t, '');
  END LOOP;
END
$$;
