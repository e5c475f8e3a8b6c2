"""The draw's ranking on Apache Spark: the project's ``draw.sql``, unchanged, run by Spark SQL.

``ranking.rank_all`` runs ``draw.sql`` on DuckDB on one machine; this module runs the very same
text (``ranking.SQL``) on a Spark session, for a register a cluster holds (docs/beyond-one-machine.md).
The contract is ``ranking.rank_all``'s: the strata go in as the tables ``eligible`` and ``strata``
(``ranking.eligible_table``, ``ranking.strata_table``, registered as temporary views), the seed is
bound as the parameter ``:seed`` (``spark.sql(text, args=...)``, never spliced into the text), and
the rows are numbered by ``ranking.number`` (so the ranks and the refusal of an entity listed twice
are DuckDB's) for the engine to write ``draw/tickets.csv`` with ``tickets.write_tickets``.

The rows come back to this process (the driver) in ``tickets.csv`` order, one partition of the
sorted result at a time (``toLocalIterator``; Spark sorts by ranges of the key across the
cluster), and are written batch by batch: the driver never holds all the tickets. Strings
compare as bytes in both (Spark's default collation ``UTF8_BINARY``, DuckDB's ``memcmp``):
``ORDER BY stratum, ticket, uscc`` is the protocol's order, the order of code points.
``tests/test_spark.py`` compares every row and byte with DuckDB and the reference engine.

The session (``start``), in this order of precedence:

- a session the caller passes (``rank_all(..., session=s)``), or the thread's active one;
- ``SPARK_REMOTE=sc://host:15002``: Spark Connect (needs ``pip install 'pyspark[connect]'``; checked
  against a local Connect server, ``SPARK_REMOTE=local[2]``: the same bytes as DuckDB);
- a master the user set for ``spark-submit``: ``MASTER=spark://host:7077``,
  ``PYSPARK_SUBMIT_ARGS='--master yarn ... pyspark-shell'``, or ``spark.master`` in
  ``$SPARK_CONF_DIR/spark-defaults.conf``: honoured, with Spark's own memory settings;
- otherwise a local session: ``local[2]``, a 2 GB driver (at 1 GB, 1,000,000 entities ran out
  of heap), no web UI, spill and warehouse in a temporary folder, Spark's messages at ERROR.

pyspark is imported inside functions: without it, only ``--engine spark`` is refused
(``EngineUnavailable``, naming ``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import itertools
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import ranking
from .errors import EngineUnavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL = "pip install -e '.[spark]'"  # what installs pyspark in the project's .venv
LOCAL_MASTER = "local[2]"  # the default session: two cores, as make bench measures DuckDB on
LOCAL_CONF = {
    "spark.driver.memory": "2g",  # local mode: the driver is the executor; at 1g, 1,000,000 entities ran out of heap
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
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
VIEWS = ("eligible", "strata")  # the tables draw.sql reads


def _no_pyspark() -> str | None:
    try:
        import pyspark
    except ImportError:
        return f"--engine spark needs pyspark, which is not installed: run {INSTALL} (and have Java 17 or newer)"
    if int(pyspark.__version__.split(".")[0]) < 4:
        return f"--engine spark needs pyspark 4 or newer, and {pyspark.__version__} is installed: run {INSTALL}"
    if os.environ.get("SPARK_REMOTE") and importlib.util.find_spec("grpc") is None:
        return (f"SPARK_REMOTE={os.environ['SPARK_REMOTE']} asks for Spark Connect, whose client is not installed: "
                "run pip install 'pyspark[connect]'")
    return None


def _no_java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    java = Path(home, "bin", "java") if home else shutil.which("java")
    if java is None or not Path(java).is_file():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no 'java' is on the PATH"
        return (f"--engine spark starts a local Spark, which needs Java 17 or newer, and {where}: install it "
                "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME; "
                "or set SPARK_REMOTE=sc://host:15002 "
                "to rank on a Spark Connect server")
    return None


def missing() -> str | None:
    """What stops Spark from running here, as a message naming the fix: no pyspark (or one older than 4), or no
    Java for a local Spark (Spark Connect, ``SPARK_REMOTE``, needs none); None when nothing does."""
    return _no_pyspark() or (None if os.environ.get("SPARK_REMOTE") else _no_java())


def _user_master() -> bool:
    """Whether the user chose where ``spark-submit`` runs (``MASTER``, ``--master`` in ``PYSPARK_SUBMIT_ARGS``,
    ``spark.master`` in spark-defaults.conf); left alone, spark-submit would take ``local[*]``."""
    if os.environ.get("MASTER") or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return True
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (os.environ.get("SPARK_HOME")
                                                    and Path(os.environ["SPARK_HOME"], "conf"))
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
    if (reason := _no_pyspark()) is not None:
        raise EngineUnavailable(reason)
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    active = SparkSession.getActiveSession()
    if active is not None:
        progress(f"ranking on the active {describe(active)}")
        return active
    builder: Any = SparkSession.builder.appName("zhanhe-audit draw")
    if not os.environ.get("SPARK_REMOTE"):
        if (reason := _no_java()) is not None:
            raise EngineUnavailable(reason)
        if not _user_master():  # the local default: its spill, warehouse and log settings in a temporary folder
            scratch = tempfile.mkdtemp(prefix="zhanhe-spark-")
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            Path(scratch, "log4j2.properties").write_text(QUIET_LOG, encoding="utf-8")
            builder = builder.master(LOCAL_MASTER) \
                .config("spark.sql.warehouse.dir", str(Path(scratch, "warehouse"))) \
                .config("spark.local.dir", scratch) \
                .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{scratch}/log4j2.properties")
            for key, value in LOCAL_CONF.items():
                builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # noqa: BLE001 -- pyspark raises its own types, and py4j's, for a JVM that did not start
        raise EngineUnavailable("Spark did not start: "
                                f"{str(error).strip().splitlines()[0] if str(error).strip() else error!r}. "
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


@contextmanager
def rank_all(seed: str, strata: Sequence[ranking.Stratum],
             session: SparkSession | None = None) -> Iterator[pa.RecordBatchReader]:
    """``ranking.rank_all`` on Spark: rank every stratum (protocol v1) with ``draw.sql`` as it is; the numbered
    rows of ``draw/tickets.csv`` for the ``with`` block to write, the same rows as DuckDB's.

    The rows come to this process partition by partition, in ``tickets.csv`` order
    (``toLocalIterator``: the driver holds one partition of the sorted result, and the next, never
    all of it); an entity listed twice in a stratum is ``ValueError``, as in ``ranking.rank_all``.
    """
    spark = session if session is not None else start()
    with warnings.catch_warnings():  # pyspark 4.3 warns of pandas 3 on any createDataFrame; no pandas is used here
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        spark.createDataFrame(_plain(ranking.eligible_table(strata))).createOrReplaceTempView("eligible")
        spark.createDataFrame(_plain(ranking.strata_table(strata))).createOrReplaceTempView("strata")
    try:  # the views stay until the rows are written: Spark Connect resolves them as the rows are fetched
        frame = spark.sql(ranking.SQL, args={"seed": seed})
        if frame.columns != ranking.SORTED.names:  # ranking.number refuses it, naming the columns
            rows = pa.RecordBatchReader.from_batches(pa.schema([(name, pa.string()) for name in frame.columns]),
                                                     iter([]))
        else:
            rows = pa.RecordBatchReader.from_batches(ranking.SORTED,
                                                     _batches(frame.toLocalIterator(prefetchPartitions=True)))
        yield ranking.number(rows, strata)
    finally:
        for view in VIEWS:
            spark.catalog.dropTempView(view)


def _batches(rows: Iterator[tuple]) -> Iterator[pa.RecordBatch]:
    """Spark's rows as Arrow batches of ``ranking.SORTED``, as DuckDB gives them."""
    while chunk := list(itertools.islice(rows, ranking.BATCH_ROWS)):
        columns = zip(*chunk, strict=True)
        yield pa.record_batch([pa.array(column, field.type)
                               for column, field in zip(columns, ranking.SORTED, strict=True)],
                              schema=ranking.SORTED)
