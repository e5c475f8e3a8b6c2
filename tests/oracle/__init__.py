"""The readable reference of protocol v1: one Python object per entity, as the protocol reads.

The product runs the same rules as columns (``zhanhe_audit.ranking``, ``eligibility``, ``feasibility``); these
are what the old-against-new tests compare it with, and the benchmark's baseline. Nothing in ``zhanhe_audit``
imports them.
"""
