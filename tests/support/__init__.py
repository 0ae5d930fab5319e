"""Helpers shared by the test folders: plan readers (:mod:`.plans`) and rule helpers
(:mod:`.rules`). Resource type tokens come from :mod:`trade_pipeline.resource_types`."""
