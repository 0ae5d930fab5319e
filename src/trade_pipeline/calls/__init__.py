"""The AWS calls the code makes, recorded from botocore, and the calls AWS makes for it.

:mod:`~trade_pipeline.calls.recorder` records every botocore call of the processor, the
conflict detector and the operator commands (who made it, the IAM action, the resource);
:mod:`~trade_pipeline.calls.canonical` turns the recorded ARNs into templates that name plan
resources, so one recorded set holds for every stack; the committed set is
``recorded.json`` beside this file (``make regen`` rewrites it).
"""
