-- The detail of a random transaction of the history (a payment with its refunds, a refund with
-- its payment, a recharge), by number, as an administrator (superuser). Variables: size.
\set n random(1, :size)
SELECT count(*) FROM app.get_transaction_detail(hist.tx_no(:n));
