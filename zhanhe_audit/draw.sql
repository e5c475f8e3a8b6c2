-- Draw protocol v1, "Ticket" and "Selection", as SQL. It is what the package runs (on DuckDB, see ranking.py),
-- and it is written in Spark SQL so that an engine holding a national register (about 180 million entities)
-- can run the same text; tests/test_ranking.py compares its every row with the reference engine (tests/oracle/draw.py).
--
-- Inputs (tables):
--   eligible(task_id STRING, grade STRING, uscc STRING)   -- one row per eligible entity of each task and grade;
--                                                         -- an entity is listed once (each counts once), e.g.
--                                                         -- SELECT DISTINCT over a table that may repeat one
--   strata(task_id STRING, grade STRING, stratum INT)     -- the stratum's place in draw/tickets.csv (task, grade
--                                                         -- as drawn)
-- Parameter :seed  -- the normalised seed (protocol v1, "Seed"), passed as a parameter, never spliced into the
--                  text (spark.sql(text, args={"seed": seed}) in Spark 3.4 and later)
--
-- ticket(T, u) = SHA-256 of seed LF T LF u, as 64 lower-case hex characters: sha2(..., 256) in Spark.
-- The rows come in draw/tickets.csv order: by stratum, then by (ticket, uscc) ascending. A row's rank is its place
-- in its stratum in this order: ranking.number counts it as the rows stream out, selects ranks 1..n
-- (n = ceil(N * p / 100), computed exactly: draw.quota) and puts the selected entity of rank r in batch
-- ((r - 1) mod B) + 1. So every row is sorted once: ROW_NUMBER() OVER (PARTITION BY stratum ORDER BY ticket, uscc)
-- followed by ORDER BY stratum, rank sorts them twice (10,000,000 entities on DuckDB: 9 s instead of 5).
-- Only the stratum number, the USCC and the ticket are sorted (the task and grade come back from strata), which
-- keeps the rows that are sorted, and spilled to disk, narrow.
SELECT
  s.stratum,
  e.uscc,
  sha2(concat_ws(chr(10), :seed, e.task_id, e.uscc), 256) AS ticket
FROM eligible AS e
JOIN strata AS s ON s.task_id = e.task_id AND s.grade = e.grade
ORDER BY s.stratum, ticket, e.uscc
