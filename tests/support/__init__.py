"""Helpers shared by the test folders: plan readers (:mod:`.plans`: select by name or input,
never by position), order-independent comparison (:mod:`.order`), rule helpers (:mod:`.rules`)
and the repository's own files (:mod:`.repository`). Resource type tokens come from
:mod:`trade_pipeline.resource_types`."""
