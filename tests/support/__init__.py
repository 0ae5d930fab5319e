"""Helpers shared by the test folders: plan readers (:mod:`.plans`), rule helpers
(:mod:`.rules`) and the repository's own files (:mod:`.repository`). Resource type tokens come
from :mod:`trade_pipeline.resource_types`."""
