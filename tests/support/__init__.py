"""Helpers shared by the test folders: plan readers (:mod:`.plans`: select by name or input,
never by position), order-independent comparison (:mod:`.order`) and rule helpers
(:mod:`.rules`). Resource type tokens come from :mod:`trade_pipeline.resource_types`."""
