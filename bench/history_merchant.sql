-- A page (p_limit 50, the default) of a random merchant's history, newest first, as an
-- administrator reads it (superuser). Variables: merchants (codes M001..).
\set i random(1, :merchants)
SELECT count(*) FROM app.get_merchant_transactions('M' || lpad(:i::text, 3, '0'));
