-- A page (p_limit 50, the default) of a random member's history, newest first, as an
-- administrator reads it (superuser: p_member_id). Variables: members (1..members).
\set i random(1, :members)
SELECT count(*) FROM app.get_member_transactions(p_member_id => hist.member_id(:i));
