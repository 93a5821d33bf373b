-- A t_plus_1 settlement of one merchant-day that no call has settled before, as an
-- administrator (superuser). Each client counts its calls (k, from 0); call k of client c takes
-- pair p = k * clients + c, i.e. merchant first + p % count and the day d = p / count days
-- before last (the last full day of the history), so no pair is used twice within a run while
-- p < count * days (history.sh checks that every call made a new settlement).
-- Variables: k (0), clients, first, count (the merchants), days, last (a date).
\set p :k * :clients + :client_id
\set k :k + 1
\set m :first + :p % :count
\set d (:p / :count) % :days
SELECT app.generate_settlement(hist.merchant_id(:m), 't_plus_1', (:last::date - :d::int)::timestamptz,
                               (:last::date - :d::int + 1)::timestamptz);
