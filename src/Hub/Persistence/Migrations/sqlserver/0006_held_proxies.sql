-- One held proxy per holder and session, enforced by the database (sqlserver).

-- CGCT L2121-20: « Un même conseiller municipal ne peut être porteur que d'un seul pouvoir. » The answers table keeps
-- every answer ever given (history); this table holds only the proxies currently given, one row per principal, and
-- its primary key refuses a second proxy to the same holder even when two requests are checked at the same instant.
CREATE TABLE held_proxies (
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    holder_member_id uniqueidentifier NOT NULL REFERENCES members (id),
    principal_member_id uniqueidentifier NOT NULL REFERENCES members (id),
    answer_id uniqueidentifier NOT NULL REFERENCES answers (id),
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    CONSTRAINT pk_held_proxies PRIMARY KEY (session_id, holder_member_id)
);
CREATE UNIQUE INDEX ux_held_proxies_principal ON held_proxies (session_id, principal_member_id);

-- The proxies given so far: each member's current (latest) answer when it is a proxy. Should two of them name the
-- same holder (the race this table closes), the earlier one is kept; the later one is then void for the quorum
-- forecast, which flags it to the secretariat.
INSERT INTO held_proxies (session_id, holder_member_id, principal_member_id, answer_id, authority_id)
SELECT session_id, proxy_holder_member_id, member_id, id, authority_id
FROM (
    SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.session_id, c.proxy_holder_member_id ORDER BY c.recorded_at, c.id) AS holder_rank
    FROM (
        SELECT a.id, a.authority_id, a.session_id, a.member_id, a.attendance, a.proxy_holder_member_id, a.recorded_at,
               ROW_NUMBER() OVER (PARTITION BY a.session_id, a.member_id ORDER BY a.recorded_at DESC, a.id DESC) AS answer_rank
        FROM answers a
    ) c
    WHERE c.answer_rank = 1 AND c.attendance = 'proxy' AND c.proxy_holder_member_id IS NOT NULL
) h
WHERE h.holder_rank = 1;
