"""The draw's ranking on Apache Spark: the project's ``draw.sql``, unchanged, run by Spark SQL.

``ranking.rank_all`` runs ``draw.sql`` on DuckDB on one machine; this module runs the very same
text (``ranking.SQL``) on a Spark session, for a register a cluster holds (README, "Beyond one
machine"). The contract is ``ranking.rank_all``'s: the strata go in as the tables ``eligible``
and ``quotas`` (``ranking.eligible_table``, ``ranking.quota_table``, registered as temporary
views), the seed is bound as the parameter ``:seed`` (``spark.sql(text, args=...)``, never
spliced into the text), ``draw/tickets.csv`` is written by ``ranking.write_tickets`` (so the file
and the refusal of an entity listed twice are DuckDB's), and the selected rows are returned.

Spark types differ from DuckDB's (``ROW_NUMBER()`` is INT in Spark, BIGINT in DuckDB; the batch
follows it): the result is cast to DuckDB's schema (``SCHEMA``) before it is written, which
changes no text of the file. Strings compare as bytes in both (Spark's default collation
``UTF8_BINARY``, DuckDB's ``memcmp``), so ``ORDER BY ticket, uscc`` is the protocol's order.
``tests/test_spark.py`` compares every row and byte with DuckDB and the reference engine.

The session (``start``), in this order of precedence:

- a session the caller passes (``rank_all(..., session=s)``), or the thread's active one;
- ``SPARK_REMOTE=sc://host:15002``: Spark Connect (needs ``pip install 'pyspark[connect]'``);
- a master the user set for ``spark-submit``: ``MASTER=spark://host:7077``,
  ``PYSPARK_SUBMIT_ARGS='--master yarn ... pyspark-shell'``, or ``spark.master`` in
  ``$SPARK_CONF_DIR/spark-defaults.conf``: honoured, with Spark's own memory settings;
- otherwise a local session: ``local[2]``, a 1 GB driver, no web UI, warehouse and logs in a
  temporary folder, Spark's messages at ERROR.

pyspark is imported inside functions: without it, only ``--engine spark`` is refused
(``EngineUnavailable``, naming ``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa

from . import ranking
from .draw import TicketRow
from .errors import EngineUnavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL = "pip install -e '.[spark]'"  # what installs pyspark in the project's .venv
LOCAL_MASTER = "local[2]"  # the default session: two cores, as make bench measures DuckDB on
LOCAL_CONF = {
    "spark.driver.memory": "1g",  # local mode: the driver is the executor; Spark spills beyond it
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",  # two cores; the default 200 tiny tasks cost more than the sort
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
QUIET_LOG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""
# DuckDB's result types (``ranking.rank_all``), which the written text and the returned rows follow
SCHEMA = pa.schema([("task_id", pa.string()), ("grade", pa.string()), ("uscc", pa.string()),
                    ("ticket", pa.string()), ("rank", pa.int64()), ("selected", pa.bool_()), ("batch", pa.int64())])
VIEWS = ("eligible", "quotas")  # the tables draw.sql reads


def available() -> str | None:
    """Why Spark cannot run here (a message naming the fix), or None when pyspark imports."""
    try:
        import pyspark
    except ImportError:
        return f"--engine spark needs pyspark, which is not installed: run {INSTALL} (Java 17 or newer too)"
    if int(pyspark.__version__.split(".")[0]) < 4:
        return f"--engine spark needs pyspark 4 or newer, and {pyspark.__version__} is installed: run {INSTALL}"
    return None


def _java_missing() -> str | None:
    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else shutil.which("java")
    if java is None or not Path(java).is_file():
        where = f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java" if os.environ.get("JAVA_HOME") else \
            "no 'java' is on the PATH"
        return (f"--engine spark runs a local Spark, which needs Java 17 or newer, and {where}: install it "
                "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME, or set SPARK_REMOTE=sc://host:15002 "
                "to use a Spark Connect server")
    return None


def _user_master() -> bool:
    """Whether the user chose where ``spark-submit`` runs (``MASTER``, ``--master`` in ``PYSPARK_SUBMIT_ARGS``,
    ``spark.master`` in spark-defaults.conf); left alone, spark-submit would take ``local[*]``."""
    if os.environ.get("MASTER") or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return True
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (os.environ.get("SPARK_HOME") and Path(os.environ["SPARK_HOME"], "conf"))
    defaults = Path(conf_dir, "spark-defaults.conf") if conf_dir else None
    if defaults is not None and defaults.is_file():
        return any(line.split()[:1] == ["spark.master"] for line in defaults.read_text(encoding="utf-8").splitlines())
    return False


def describe(session: SparkSession) -> str:
    """The session in one line: Spark's version and where it runs."""
    try:
        master = session.conf.get("spark.master", None) or "?"
    except Exception:  # noqa: BLE001 -- a Spark Connect server may not show its master
        master = "?"
    remote = os.environ.get("SPARK_REMOTE")
    return f"Spark {session.version} ({f'Spark Connect {remote}' if remote else f'master {master}'})"


def start(progress: Callable[[str], None] = lambda line: None) -> SparkSession:
    """The session to rank on (the module docstring gives the order); ``progress`` gets one line saying which,
    and how long it took to start. Without pyspark, or without Java for a local Spark, ``EngineUnavailable``."""
    missing = available()
    if missing:
        raise EngineUnavailable(missing)
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    active = SparkSession.getActiveSession()
    if active is not None:
        progress(f"ranking on the active {describe(active)}")
        return active
    builder: Any = SparkSession.builder.appName("zhanhe-audit draw")
    if not os.environ.get("SPARK_REMOTE"):
        if (missing := _java_missing()) is not None:
            raise EngineUnavailable(missing)
        scratch = tempfile.mkdtemp(prefix="zhanhe-spark-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        Path(scratch, "log4j2.properties").write_text(QUIET_LOG, encoding="utf-8")
        builder = builder.config("spark.sql.warehouse.dir", str(Path(scratch, "warehouse"))) \
            .config("spark.local.dir", scratch) \
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{scratch}/log4j2.properties")
        if not _user_master():
            builder = builder.master(LOCAL_MASTER)
            for key, value in LOCAL_CONF.items():
                builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # noqa: BLE001 -- pyspark raises its own types, and py4j's, for a JVM that did not start
        raise EngineUnavailable(f"Spark did not start: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}. "
                                "Check Java 17 or newer (java -version), or SPARK_REMOTE / the master") from None
    progress(f"ranking on {describe(session)}, started in {time.perf_counter() - started:.1f} s")
    return session


def ranker(progress: Callable[[str], None] = lambda line: None) -> ranking.Rank:
    """``rank_all`` on a session started now (``start``): a ``ranking.Rank`` for ``engine.run_draw``."""
    return functools.partial(rank_all, session=start(progress))


def _plain(table: pa.Table) -> pa.Table:
    """``table`` with plain string columns (``ranking.eligible_table`` dictionary-encodes task and grade)."""
    return table.cast(pa.schema([pa.field(field.name, field.type.value_type if pa.types.is_dictionary(field.type)
                                          else field.type) for field in table.schema]))


def rank_all(seed: str, strata: Sequence[ranking.Stratum], into: BinaryIO,
             session: SparkSession | None = None) -> list[TicketRow]:
    """``ranking.rank_all`` on Spark: rank every stratum (protocol v1) with ``draw.sql`` as it is, write
    ``draw/tickets.csv`` to ``into`` and return the selected rows; the same rows and bytes as DuckDB.

    The result is collected to this process as Arrow (in ``tickets.csv`` order) and written batch by
    batch; an entity listed twice in a stratum is ``ValueError``, as in ``ranking.rank_all``.
    """
    spark = session if session is not None else start()
    spark.createDataFrame(_plain(ranking.eligible_table(strata))).createOrReplaceTempView("eligible")
    spark.createDataFrame(_plain(ranking.quota_table(strata))).createOrReplaceTempView("quotas")
    try:
        table = spark.sql(ranking.SQL, args={"seed": seed}).toArrow()
    finally:
        for view in VIEWS:
            spark.catalog.dropTempView(view)
    if table.schema.names == SCHEMA.names:  # else write_tickets refuses the columns, naming them
        table = table.cast(SCHEMA)
    rows = table.to_reader(ranking.BATCH_ROWS)
    return list(ranking.Ranked(ranking.write_tickets(rows, into)))
