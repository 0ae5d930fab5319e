"""Config values Pulumi holds as secrets stay secrets: in state, in the plan, in every line.

How the program learns which keys are secret. ``pulumi config set --secret`` stores the value
encrypted (``secure:`` in ``Pulumi.<stack>.yaml``); a key is secret when its value, or any part
of it set with ``--path``, is (``Map.SecureKeys``, sdk/go/common/resource/config/map.go and
value.go of pulumi/pulumi). The engine hands the program every value decrypted, and the names of
the secret keys beside them: the Python language host puts them in ``PULUMI_CONFIG`` and
``PULUMI_CONFIG_SECRET_KEYS`` (``constructConfigSecretKeys``,
sdk/python/cmd/pulumi-language-python/main.go), and its launcher passes both to
``pulumi.runtime.set_all_config`` (sdk/python/cmd/pulumi-language-python-exec), after which
``pulumi.runtime.is_config_secret(key)`` answers (sdk/python/lib/pulumi/runtime/config.py).
The decrypted value is plain text in the program: it stays secret only if every resource input
made of it is a secret ``Output`` (``pulumi.Output.secret``; Pulumi's "Secrets" docs,
https://www.pulumi.com/docs/iac/concepts/secrets/).

So, for the keys that may be secrets (:data:`SECRET_CAPABLE`, the alarm endpoints: an HTTPS
integration URL carries its key):

- :func:`mark` records which fields are secret on the config (``PipelineConfig.is_secret``);
  :func:`keep_secret` wraps every input made of them;
- :func:`check` refuses, before the config is read, a secret on any other key (names,
  regions and sizes end up in resource names, ARNs and the plan, where no secret can be kept),
  and an environment variable that would override a secret key (the override would be
  announced, and used, in plain text);
- the offline preview masks them as :data:`MASK`: in the plan's config, in every resource input
  (:func:`mask_rpc_secrets`) and in config error lines (:func:`mask_lines`). It cannot decrypt
  a ``secure:`` value, so it runs with a stand-in of the right shape (:func:`offline_stand_ins`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

import pulumi
from pulumi.runtime import rpc
from pydantic.alias_generators import to_camel

from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.config.sources import ENV_ALIASES, env_var_for

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = [
    "MASK",
    "SECRET_CAPABLE",
    "check",
    "keep_secret",
    "mark",
    "mask_config",
    "mask_lines",
    "mask_rpc_secrets",
    "offline_stand_ins",
    "plain_values",
    "program_secret_keys",
    "stand_in_keys",
]

MASK: Final = "[secret]"

# field -> the stand-in the offline preview uses for one encrypted value (index-numbered, so a
# list of several stays free of duplicates).
SECRET_CAPABLE: Final[dict[str, str]] = {
    "alarm_emails": "secret-{n}@example.com",
    "alarm_https_endpoints": "https://secret-{n}.example.com/offline-preview",
}

T = TypeVar("T")


def _key(field: str) -> str:
    return f"{CONFIG_NAMESPACE}:{to_camel(field)}"


def program_secret_keys(keys: Iterable[str]) -> set[str]:
    """Those of the program's config ``keys`` that Pulumi holds as secrets.

    ``is_config_secret`` answers after ``set_all_config`` (the CLI's launcher, the Automation
    API, the mock engine); ``PULUMI_CONFIG_SECRET_KEYS`` is the CLI's own list, read as well for
    a program whose config came from ``PULUMI_CONFIG`` only.
    """
    from_engine = set(pulumi.runtime.config.get_config_secret_keys_env())
    return {k for k in keys if k in from_engine or pulumi.runtime.config.is_config_secret(k)}


def _fields_by_key() -> dict[str, str]:
    from trade_pipeline.config.model import PipelineConfig

    return {_key(f): f for f in PipelineConfig.model_fields}


def check(secret_keys: Iterable[str], environ: Mapping[str, str]) -> None:
    """Refuse, before the config is read, what cannot stay secret: a secret on a key other than
    :data:`SECRET_CAPABLE`, an environment variable overriding a secret key."""
    by_key = _fields_by_key()
    lines = [
        f"config error: {key}: is a secret, but the program cannot keep it one (names, regions "
        "and sizes end up in resource names, ARNs and the plan); only "
        f"{' and '.join(_key(f) for f in SECRET_CAPABLE)} may be secrets: set it without --secret"
        for key in sorted(secret_keys)
        if by_key.get(key) not in SECRET_CAPABLE
    ]
    for key in sorted(secret_keys):
        field = by_key.get(key)
        for variable in (env_var_for(field), *ENV_ALIASES.get(field, ())) if field else ():
            if variable in environ:
                lines.append(
                    f"config error: {variable} (environment) would override {key}, which the "
                    "stack holds as a secret: an override is announced and used in plain text; "
                    "unset it and change the secret with `pulumi config set --secret`"
                )
    if lines:
        raise ConfigError(lines)


def mark(config: PipelineConfig, secret_keys: Iterable[str]) -> PipelineConfig:
    """Record on ``config`` which of its fields are secrets (``secret_keys``: the secret
    ``trade-pipeline:*`` keys, already accepted by :func:`check`)."""
    by_key = _fields_by_key()
    config._secret_fields = frozenset(by_key[k] for k in secret_keys if k in by_key)
    return config


def keep_secret(config: PipelineConfig, field: str, value: T) -> pulumi.Input[T]:
    """``value`` (made of ``field``) as a secret Output when the field is a secret."""
    return pulumi.Output.secret(value) if config.is_secret(field) else value


def mask_config(dumped: Mapping[str, Any], config: PipelineConfig) -> dict[str, Any]:
    """``config.model_dump(by_alias=True)`` with every secret field's value as :data:`MASK`."""
    secret = {to_camel(f) for f in SECRET_CAPABLE if config.is_secret(f)}
    return {k: (MASK if k in secret else v) for k, v in dumped.items()}


def mask_rpc_secrets(value: Any) -> Any:
    """A value the engine received, every secret in it (Pulumi's wire form of a secret: a map
    tagged with ``rpc._special_secret_sig``) replaced by :data:`MASK`."""
    if isinstance(value, Mapping):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return MASK
        return {k: mask_rpc_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_rpc_secrets(v) for v in value]
    return value


def plain_values(values: Iterable[Any]) -> list[str]:
    """The strings inside config ``values`` (a secret list's entries), to keep out of lines."""
    found: list[str] = []
    for value in values:
        if isinstance(value, list | tuple):
            found.extend(plain_values(value))
        elif value is not None:
            found.append(str(value))
    return found


def mask_lines(lines: Sequence[str], values: Iterable[str]) -> list[str]:
    """``lines`` with each of ``values`` (as given and as Python shows it) replaced by MASK."""
    masked = list(lines)
    for value in sorted(set(values), key=len, reverse=True):
        if not value:
            continue
        masked = [line.replace(repr(value), MASK).replace(value, MASK) for line in masked]
    return masked


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def _stand_in(field: str, value: Any, counter: list[int]) -> Any:
    def next_value() -> str:
        counter[0] += 1
        return SECRET_CAPABLE[field].format(n=counter[0])

    if _is_secure(value):  # the whole value encrypted: one stand-in (a list for a list key)
        return [next_value()]
    if isinstance(value, list):  # `--path 'key[0]'`: only some entries encrypted
        return [next_value() if _is_secure(item) else item for item in value]
    return value


def _has_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, Mapping):
        return any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def stand_in_keys() -> set[str]:
    """The config keys the offline preview replaces a ``secure:`` value of by a stand-in."""
    return {_key(f) for f in SECRET_CAPABLE}


def offline_stand_ins(stack_config: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A stack file's config for the offline preview, and its secret keys.

    ``secure:`` values (only the Pulumi CLI can decrypt them) become stand-ins of the right
    shape for the keys that may be secrets; any other key holding one is left as it is and
    listed as secret, so that :func:`mark` refuses it with its own line.
    """
    fields = {_key(f): f for f in SECRET_CAPABLE}
    config: dict[str, Any] = {}
    secret_keys: list[str] = []
    counter = [0]
    for key, value in stack_config.items():
        if not _has_secure(value):
            config[key] = value
            continue
        secret_keys.append(key)
        config[key] = _stand_in(fields[key], value, counter) if key in fields else value
    return config, secret_keys
