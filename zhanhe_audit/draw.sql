-- Draw protocol v1, "Ticket" and "Selection", as SQL. It is what the package runs (on DuckDB, see ranking.py),
-- and it is written in Spark SQL so that an engine holding a national register (about 180 million entities)
-- can run the same text; tests/test_ranking.py compares its every row with the reference engine (draw.py).
--
-- Inputs (tables):
--   eligible(task_id STRING, grade STRING, uscc STRING)   -- one row per eligible entity of each task and grade;
--                                                         -- an entity is listed once (each counts once), e.g.
--                                                         -- SELECT DISTINCT over a table that may repeat one
--   quotas(task_id STRING, grade STRING, quota INT,       -- n = ceil(N * p / 100), computed exactly (draw.quota)
--          stratum INT,                                   -- the stratum's place in draw/tickets.csv (task, grade as drawn)
--          batches INT)                                   -- the task's batches B (mode c), NULL when it has none
-- Parameter :seed  -- the normalised seed (protocol v1, "Seed"), passed as a parameter, never spliced into the
--                  text (spark.sql(text, args={"seed": seed}) in Spark 3.4 and later)
--
-- ticket(T, u) = SHA-256 of seed LF T LF u, as 64 lower-case hex characters: sha2(..., 256) in Spark.
-- Ranks follow (ticket, uscc) ascending within each (task, grade); ranks 1..n are selected; the selected entity
-- of rank r goes to batch ((r - 1) mod B) + 1. Rows come in draw/tickets.csv order.
-- Only the stratum number, the USCC and the ticket are carried through the sort (the task and grade come back
-- from quotas), which keeps the rows that are sorted, and spilled to disk, narrow.
SELECT
  q.task_id,
  q.grade,
  r.uscc,
  r.ticket,
  r.rank,
  r.rank <= q.quota AS selected,
  CASE WHEN r.rank <= q.quota AND q.batches IS NOT NULL THEN (r.rank - 1) % q.batches + 1 END AS batch
FROM (
  SELECT
    stratum,
    uscc,
    ticket,
    ROW_NUMBER() OVER (PARTITION BY stratum ORDER BY ticket, uscc) AS rank
  FROM (
    SELECT q.stratum, e.uscc, sha2(concat_ws(chr(10), :seed, e.task_id, e.uscc), 256) AS ticket
    FROM eligible AS e
    JOIN quotas AS q ON q.task_id = e.task_id AND q.grade = e.grade
  ) AS hashed
) AS r
JOIN quotas AS q ON q.stratum = r.stratum
ORDER BY r.stratum, r.rank
