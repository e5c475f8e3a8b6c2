-- Draw protocol v1, "Ticket" and "Selection", as SQL. It is what the package runs (on DuckDB, see ranking.py),
-- and it is written in Spark SQL so that an engine holding a national register (about 180 million entities)
-- can run the same text; tests/test_ranking.py compares its every row with the reference engine (draw.py).
--
-- Inputs (tables):
--   eligible(task_id STRING, grade STRING, uscc STRING)   -- one row per eligible entity of each task and grade
--   quotas(task_id STRING, grade STRING, quota INT,       -- n = ceil(N * p / 100), computed exactly (draw.quota)
--          stratum INT,                                   -- the stratum's place in draw/tickets.csv (task, grade as drawn)
--          batches INT)                                   -- the task's batches B (mode c), NULL when it has none
-- Parameter :seed  -- the normalised seed (protocol v1, "Seed"), passed as a parameter, never spliced into the
--                  text (spark.sql(text, args={"seed": seed}) in Spark 3.4 and later)
--
-- ticket(T, u) = SHA-256 of seed LF T LF u, as 64 lower-case hex characters: sha2(..., 256) in Spark.
-- Ranks follow (ticket, uscc) ascending within each (task, grade); ranks 1..n are selected; the selected entity
-- of rank r goes to batch ((r - 1) mod B) + 1. Rows come in draw/tickets.csv order.
SELECT
  e.task_id,
  e.grade,
  e.uscc,
  e.ticket,
  e.rank,
  e.rank <= q.quota AS selected,
  CASE WHEN e.rank <= q.quota AND q.batches IS NOT NULL THEN (e.rank - 1) % q.batches + 1 END AS batch
FROM (
  SELECT
    task_id,
    grade,
    uscc,
    ticket,
    ROW_NUMBER() OVER (PARTITION BY task_id, grade ORDER BY ticket, uscc) AS rank
  FROM (
    SELECT DISTINCT task_id, grade, uscc, sha2(concat_ws(chr(10), :seed, task_id, uscc), 256) AS ticket
    FROM eligible
  ) AS hashed
) AS e
JOIN quotas AS q ON q.task_id = e.task_id AND q.grade = e.grade
ORDER BY q.stratum, e.rank
