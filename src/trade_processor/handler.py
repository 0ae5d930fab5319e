"""Lambda entry point: ``trade_processor.handler.handler``.

Thin on purpose: wire the processor once per execution environment, then hand each event to
:meth:`~trade_processor.processor.EventProcessor.process`. EventBridge invokes asynchronously
with one event per invocation; the return value is for logs and tests only.

In Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set by the runtime) the processor and its DynamoDB
client are built at import, in the init phase, so a missing or bad setting, ``TABLE_NAME``
included, fails the init with the variable's name instead of failing every event. The same
happens outside Lambda when ``TABLE_NAME`` is set (the cold-start benchmark). Tests import this
module without either and install a processor with :func:`use_processor`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from trade_processor.config import ProcessorSettings
from trade_processor.observability import logger, metrics
from trade_processor.processor import EventProcessor
from trade_processor.runtime import build_processor

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["handler", "use_processor"]

_processor: EventProcessor | None = None


def use_processor(processor: EventProcessor | None) -> None:
    """Install the processor the handler uses (tests; ``None`` rebuilds from the environment)."""
    global _processor
    _processor = processor


def _current_processor() -> EventProcessor:
    global _processor
    if _processor is None:
        settings = ProcessorSettings.from_env(os.environ)
        for warning in settings.warnings:
            logger.warning(warning)
        _processor = build_processor(settings)
    return _processor


if "AWS_LAMBDA_FUNCTION_NAME" in os.environ or "TABLE_NAME" in os.environ:
    _current_processor()


def _process(event: Any, context: Any) -> dict[str, str | None]:
    return _current_processor().process(event).as_dict()


# With a real Lambda context: its fields in every log line and the ColdStart metric.
_with_context = metrics.log_metrics(capture_cold_start_metric=True)(
    logger.inject_lambda_context(clear_state=True)(_process)
)
# Without one (a local call, a test harness passing None): the same processing and metrics.
_without_context = metrics.log_metrics(_process)


def handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, str | None]:
    """Process one EventBridge event; raise only for failures worth a retry."""
    if all(hasattr(context, name) for name in _CONTEXT_FIELDS):
        return _with_context(event, context)  # type: ignore[no-any-return]
    return _without_context(event, context)  # type: ignore[no-any-return]


_CONTEXT_FIELDS = ("function_name", "aws_request_id", "memory_limit_in_mb", "invoked_function_arn")
