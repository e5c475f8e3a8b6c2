"""The evidence layer: how each file of a quarter's archive is written, read and sealed.

- ``store``: atomic, never-overwriting writes; the lock on ``outputs/``; folders built aside.
- ``manifest``: manifests, their seals and the hash chain (``walk_chain``).
- ``files``: one typed writer and reader per file of ``draw/``, ``inputs/history.csv`` and ``fairness/``.
- ``records``: the records appended to an archive (``draw.json``, replacements, results).
- ``accounting``: every archived file, and how the verifiers prove or recompute it.
- ``archived``: a drawn quarter's inputs, read back from its archive.

The archive's paths are named in ``zhanhe_audit.layout``; they are re-exported here because the
notebooks, archived with every draw and run again by ``make verify``, spell them ``evidence.TICKETS``.
"""

from ..layout import *  # noqa: F403 -- the archive's names, as the archived notebooks spell them
