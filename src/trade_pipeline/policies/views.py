"""Building the neutral views from an offline-preview plan or from CrossGuard's arguments.

The offline preview hands over a :class:`~trade_pipeline.preview.Plan` (inputs as props, mock
outputs); ``policy/__main__.py`` hands over CrossGuard's ``ResourceValidationArgs`` /
``StackValidationArgs``, whose unknown values (a preview before the first ``up``) become
:data:`~trade_pipeline.policies.model.UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from trade_pipeline.policies.model import UNKNOWN, ResourceView, StackView
from trade_pipeline.resource_types import AWS_PROVIDER, TABLE

if TYPE_CHECKING:
    from trade_pipeline.preview import Plan

__all__ = ["resource_view_from_crossguard", "stack_view_from_crossguard", "stack_view_from_plan"]


def stack_view_from_plan(plan: Plan) -> StackView:
    """The neutral view of an offline-preview plan (inputs as props, mock outputs)."""
    primary = plan.config.get("primaryRegion")
    secondary = tuple(plan.config.get("secondaryRegions") or ())
    return StackView(
        resources=tuple(
            ResourceView(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=r.inputs,
                region=r.region,
                default_provider=r.uses_default_provider,
                custom=r.custom,
                outputs=r.outputs or {},
                dependencies=tuple(r.dependencies),
                protect=r.protect,
            )
            for r in plan.resources
        ),
        primary_region=primary,
        regions=(primary, *secondary) if primary else (),
    )


def _plain(value: Any) -> Any:
    """CrossGuard props -> plain values; its unknown sentinels -> :data:`UNKNOWN`."""
    from pulumi_policy import proxy

    target: Any = value
    if type(value).__name__ in ("_DictProxy", "_ListProxy"):
        target = cast(Any, value)["__target"]  # the unknown-checking proxies keep the raw value
    if isinstance(target, Mapping):
        return {str(k): _plain(v) for k, v in target.items()}
    if isinstance(target, list | tuple):
        return [_plain(v) for v in target]
    if isinstance(target, str) and proxy._is_unknown(target):
        return UNKNOWN
    return target


def _provider_info(provider: Any) -> tuple[str | None, bool]:
    """(region, is a default provider) of a CrossGuard PolicyProviderResource."""
    if provider is None:
        return None, True
    props = _plain(getattr(provider, "props", {}) or {})
    region = props.get("region") if isinstance(props, Mapping) else None
    name = str(getattr(provider, "name", ""))
    return (region if isinstance(region, str) else None), name.startswith("default")


def _protect(resource: Any) -> bool | None:
    """The ``protect`` option CrossGuard reports (``PolicyResourceOptions.protect``, from the
    request's options: ``_get_resource_options`` in pulumi-policy's policy.py)."""
    protect = getattr(getattr(resource, "opts", None), "protect", None)
    return protect if isinstance(protect, bool) else None


def resource_view_from_crossguard(args: Any) -> ResourceView:
    """The neutral view of a CrossGuard ``ResourceValidationArgs`` (props are inputs)."""
    region, default = _provider_info(getattr(args, "provider", None))
    return ResourceView(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        props=_plain(args.props),
        region=region,
        default_provider=default and args.resource_type.startswith("aws:"),
        custom=True,
        protect=_protect(args),
    )


def _stack_resource_view(resource: Any) -> ResourceView:
    """One resource of a ``StackValidationArgs``: its props are its outputs."""
    region, default = _provider_info(getattr(resource, "provider", None))
    type_ = resource.resource_type
    props = _plain(resource.props)
    if type_ == AWS_PROVIDER:
        region = props.get("region") if isinstance(props, Mapping) else None
    return ResourceView(
        type=type_,
        name=resource.name,
        urn=resource.urn,
        props=props,
        region=region,
        default_provider=default and type_.startswith("aws:"),
        custom=not type_.startswith("pulumi:providers:") or type_ == AWS_PROVIDER,
        outputs=props,
        dependencies=tuple(d.urn for d in (getattr(resource, "dependencies", None) or [])),
        protect=_protect(resource),
    )


def stack_view_from_crossguard(args: Any) -> StackView:
    """The neutral view of a CrossGuard ``StackValidationArgs``.

    Its props are the resources' outputs (all known after ``up``, partly unknown during a
    preview). The configured regions are those of the stack's explicit aws providers; the
    primary is the region of the table's provider.
    """
    resources = [_stack_resource_view(r) for r in args.resources]
    regions = sorted(
        {
            r.region
            for r in resources
            if r.region and not r.default_provider and (r.is_aws or r.type == AWS_PROVIDER)
        }
    )
    tables = [r for r in resources if r.type == TABLE and r.region]
    primary = tables[0].region if tables else None
    if primary in regions:
        regions.remove(primary)
        regions.insert(0, primary)
    return StackView(tuple(resources), primary_region=primary, regions=tuple(regions))
