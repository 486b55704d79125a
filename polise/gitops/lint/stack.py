"""Rules for swarm stack files (`docker-stack.yml`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from polise.gitops.interpolation import (
    Problem,
    find_required_read_as_default,
    interpolate_config,
    variables,
)
from polise.gitops.lint.compose_schema import schema_errors
from polise.gitops.lint.context import Check, LintContext, Report
from polise.gitops.lint.document import list_or_dict, mapping
from polise.gitops.lint.durations import parse_duration

# Swarm's defaults, used when a stack file leaves a value out.
_DEFAULT_MONITOR = 5.0  # update_config.monitor
_DEFAULT_HEALTH = {"interval": 30.0, "retries": 3, "start_period": 0.0}

_VAR_ONLY = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?[-?]([^}]*))?\}?$")
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
_ROUTER_RULE = re.compile(r"^traefik\.http\.routers\.([^.]+)\.rule$")
_ROUTER_ENTRY = re.compile(r"^traefik\.http\.routers\.([^.]+)\.entrypoints$")
_ROUTER_MW = re.compile(r"^traefik\.http\.routers\.([^.]+)\.middlewares$")
_SERVICE_PORT = re.compile(r"^traefik\.http\.services\.([^.]+)\.loadbalancer\.server\.port$")


def _services(report: Report) -> list[tuple[str, dict[str, Any]]]:
    return [(name, mapping(svc)) for name, svc in mapping(report.doc.data.get("services")).items()]


def lint_environment(data: Any, ctx: LintContext) -> dict[str, str]:
    """The environment lint interpolates with (its own by default), plus stand-ins for what the
    runner and polise deploy will set: the registry, the image tag, the content hashes."""
    env = dict(os.environ if ctx.environ is None else ctx.environ)
    supplied = {*ctx.config.registry_variables, *ctx.config.runner_variables}
    for text, _keys in _strings(data):
        for name, _op in variables(text):
            if name in supplied or name.startswith("POLISE_HASH_"):
                env.setdefault(name, "0" * 12)
    return env


def _strings(
    value: Any, keys: tuple[str | int, ...] = ()
) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*keys, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*keys, i))
    elif isinstance(value, str):
        yield value, keys


def _dotted(keys: tuple[str | int, ...]) -> str:
    return ".".join(str(k) for k in keys)


def check_interpolation_and_schema(report: Report, ctx: LintContext) -> None:
    """Interpolate as Docker does (polise.gitops.interpolation), then docker/cli's schema. An
    invalid template stops there, as it stops docker stack deploy."""
    data = report.doc.data
    env = lint_environment(data, ctx)
    for text, keys in _strings(data):
        for found in find_required_read_as_default(text):
            report.add("PLS005", *keys, where=_dotted(keys), text=found)
    problems: list[Problem] = []
    interpolated = interpolate_config(data, env, problems)
    for _round in range(5):  # each round may reveal a required variable hidden behind another
        missing = {p.error.missing: p for p in problems if p.error.missing}
        if not missing:
            break
        for name, problem in missing.items():
            report.add("PLS004", *problem.keys, where=_dotted(problem.keys), variable=name)
            env[name] = "1"  # a stand-in, so the schema check can go on
        problems = []
        interpolated = interpolate_config(data, env, problems)
    if problems:
        for problem in problems:
            report.add("PLS003", *problem.keys, where=_dotted(problem.keys),
                       detail=str(problem.error))  # fmt: skip
        return
    for path, message in schema_errors(interpolated):
        report.add("PLS002", *path, detail=message)


def _registry_and_tag(image: str) -> tuple[str | None, str | None, bool]:
    """(registry part, tag, pinned by digest) of an image reference that may hold variables."""
    name, at, _digest = image.partition("@")
    first, slash, rest = name.partition("/")
    registry = first if slash and (first.startswith("$") or any(c in first for c in ".:")) else None
    last = (rest if registry else name).rsplit("/", 1)[-1]
    # A variable's ${...} may hold ':' (defaults); look for the tag colon outside braces.
    depth, tag_at = 0, -1
    for i, ch in enumerate(last):
        depth += ch == "{"
        depth -= ch == "}"
        if ch == ":" and depth == 0:
            tag_at = i
    tag = last[tag_at + 1 :] if tag_at >= 0 else None
    return registry, tag, bool(at)


def _registry_ok(registry: str | None, ctx: LintContext) -> bool:
    if registry is None:
        return False
    if registry == ctx.config.registry:
        return True
    match = _VAR_ONLY.match(registry)
    return bool(match and match.group(1) in ctx.config.registry_variables)


def _tag_ok(tag: str | None) -> bool:
    if not tag or tag == "latest":
        return False
    match = _VAR_ONLY.match(tag)
    return not (match and match.group(2) == "latest")


def check_image(report: Report, ctx: LintContext) -> None:
    for name, svc in _services(report):
        image = svc.get("image")
        if not isinstance(image, str) or not image:
            report.add(
                "PLS100", "services", name, service=name, image="", registry=ctx.config.registry
            )
            continue
        registry, tag, digest = _registry_and_tag(image)
        if not _registry_ok(registry, ctx):
            report.add("PLS100", "services", name, "image", service=name, image=image,
                       registry=ctx.config.registry)  # fmt: skip
        if not digest and not _tag_ok(tag):
            report.add("PLS101", "services", name, "image", service=name, image=image)


def check_resources(report: Report, ctx: LintContext) -> None:
    for name, svc in _services(report):
        resources = mapping(mapping(svc.get("deploy")).get("resources"))
        limits = mapping(resources.get("limits"))
        missing = [key for key in ("cpus", "memory") if not limits.get(key)]
        if missing:
            report.add("PLS102", "services", name, "deploy", "resources", "limits", service=name,
                       missing=", ".join(missing))  # fmt: skip
        if not mapping(resources.get("reservations")).get("memory"):
            report.add("PLS103", "services", name, "deploy", "resources", service=name)


def _health_window(svc: dict[str, Any]) -> float | None:
    """Seconds the health check needs to call a new task healthy or not; None if no check."""
    health = mapping(svc.get("healthcheck"))
    test = health.get("test")
    if not health or health.get("disable") or not test or test in (["NONE"], "NONE"):
        return None
    interval = parse_duration(health.get("interval")) or _DEFAULT_HEALTH["interval"]
    start = parse_duration(health.get("start_period")) or _DEFAULT_HEALTH["start_period"]
    retries = health.get("retries", _DEFAULT_HEALTH["retries"])
    retries = retries if isinstance(retries, int) else int(_DEFAULT_HEALTH["retries"])
    return start + interval * retries


def _host_ports(svc: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and p.get("mode") == "host" for p in svc.get("ports") or [])


def check_health_and_updates(report: Report, ctx: LintContext) -> None:
    for name, svc in _services(report):
        deploy = mapping(svc.get("deploy"))
        window = _health_window(svc)
        if window is None:
            report.add("PLS104", "services", name, "healthcheck", service=name)
        update = deploy.get("update_config")
        where = ("services", name, "deploy", "update_config")
        if not isinstance(update, dict):
            report.add("PLS105", *where, service=name, detail="no update_config")
            update = {}
        elif update.get("failure_action") != "rollback":
            report.add("PLS105", *where, "failure_action", service=name,
                       detail=f"failure_action: {update.get('failure_action', 'pause')}")  # fmt: skip
        monitor = parse_duration(update.get("monitor"))
        monitor = _DEFAULT_MONITOR if monitor is None else monitor
        if window is not None and monitor < window:
            report.add("PLS106", *where, "monitor", service=name, monitor=f"{monitor:g}s",
                       needed=f"{window:g}s")  # fmt: skip
        if not isinstance(deploy.get("rollback_config"), dict):
            report.add("PLS107", "services", name, "deploy", service=name)
        order, parallelism = update.get("order", "stop-first"), update.get("parallelism", 1)
        if order == "start-first" and _host_ports(svc):
            report.add("PLS109", *where, "order", service=name)
        elif parallelism != 1 or (order != "start-first" and not _host_ports(svc)):
            report.add("PLS108", *where, service=name,
                       detail=f"parallelism: {parallelism}, order: {order}")  # fmt: skip


def check_isolation(report: Report, ctx: LintContext) -> None:
    top_networks = mapping(report.doc.data.get("networks"))
    for name, svc in _services(report):
        asks = []
        if svc.get("privileged") is True:
            asks.append("privileged: true")
        asks += [f"cap_add: {c}" for c in svc.get("cap_add") or [] if c in ("ALL", "SYS_ADMIN")]
        if asks:
            report.add("PLS110", "services", name, service=name, detail=", ".join(asks))
        attached = svc.get("networks") or []
        host_nets = [
            n for n in attached
            if n == "host" or mapping(top_networks.get(n)).get("name") == "host"
        ]  # fmt: skip
        if svc.get("network_mode") == "host" or host_nets:
            report.add("PLS111", "services", name, service=name)
        shared = [ns for ns in ("pid", "ipc") if svc.get(ns) == "host"]
        if shared:
            report.add("PLS112", "services", name, shared[0], service=name, detail="/".join(shared))
        for i, volume in enumerate(svc.get("volumes") or []):
            source = _bind_source(volume)
            if source is not None and not _allowed_bind(source, ctx):
                report.add("PLS113", "services", name, "volumes", i, service=name, source=source)
        _check_environment(report, ctx, name, svc)


def _bind_source(volume: Any) -> str | None:
    if isinstance(volume, dict):
        return str(volume.get("source", "")) if volume.get("type") == "bind" else None
    source, sep, _ = str(volume).partition(":")
    return source if sep and source.startswith(("/", ".", "~", "$")) else None


def _allowed_bind(source: str, ctx: LintContext) -> bool:
    return any(
        source == a or source.startswith(a.rstrip("/") + "/")
        for a in ctx.config.bind_mount_allowlist
    )


def _check_environment(report: Report, ctx: LintContext, name: str, svc: dict[str, Any]) -> None:
    secret_name = re.compile(ctx.config.secret_env_pattern)
    for key, value in list_or_dict(svc.get("environment")).items():
        text = "" if value is None else str(value)
        if not text or key.upper().endswith("_FILE") or _VAR_ONLY.match(text):
            continue
        if secret_name.search(key) or _URL_PASSWORD.search(text):
            report.add("PLS114", "services", name, "environment", key, service=name, variable=key)


def _role_constraints(svc: dict[str, Any], ctx: LintContext) -> tuple[set[str], set[str]]:
    """Roles a service is pinned to (==) and roles it is kept away from (!=)."""
    label = re.escape(ctx.config.node_role_label)
    pattern = re.compile(rf"^\s*{label}\s*(==|!=)\s*(\S+)\s*$")
    on: set[str] = set()
    off: set[str] = set()
    constraints = mapping(mapping(svc.get("deploy")).get("placement")).get("constraints") or []
    for constraint in constraints:
        match = pattern.match(str(constraint))
        if match:
            (on if match.group(1) == "==" else off).add(match.group(2))
    return on, off


def check_placement(report: Report, ctx: LintContext) -> None:
    config = ctx.config
    own_role = config.dedicated_nodes.get(ctx.app or "")
    for name, svc in _services(report):
        on, off = _role_constraints(svc, ctx)
        where = ("services", name, "deploy", "placement")
        if own_role:
            if on != {own_role}:
                report.add("PLS122", *where, service=name, app=ctx.app,
                           expected=f"{config.node_role_label} == {own_role}")  # fmt: skip
            continue
        expected = f"{config.node_role_label} == {config.app_node_role}"
        intruded = sorted(on & config.dedicated_roles)
        if intruded:
            report.add("PLS121", *where, service=name, role=intruded[0], expected=expected)
        elif not on and not config.dedicated_roles <= off:
            report.add("PLS120", *where, service=name, expected=expected)


def check_proxy(report: Report, ctx: LintContext) -> None:
    network = ctx.config.proxy_network
    top_networks = mapping(report.doc.data.get("networks"))
    proxy_key = next(
        (k for k, v in top_networks.items() if mapping(v).get("name", k) == network), None
    )
    for name, svc in _services(report):
        labels = list_or_dict(mapping(svc.get("deploy")).get("labels"))
        if any(k.startswith("traefik.") for k in list_or_dict(svc.get("labels"))):
            report.add("PLS131", "services", name, "labels", service=name)
        if svc.get("ports"):
            report.add("PLS133", "services", name, "ports", service=name)
        if str(labels.get("traefik.enable", "")).lower() != "true":
            continue
        where = ("services", name, "deploy", "labels")
        missing = [
            what
            for what, pattern in (
                ("router rule", _ROUTER_RULE),
                ("router entrypoints", _ROUTER_ENTRY),
                ("loadbalancer.server.port", _SERVICE_PORT),
            )
            if not any(pattern.match(k) and labels[k] for k in labels)
        ]
        if missing:
            report.add("PLS130", *where, service=name, missing=", ".join(missing))
        attached = svc.get("networks") or []
        if proxy_key is None or not mapping(top_networks[proxy_key]).get("external"):
            report.add("PLS132", "networks", service=name, network=network,
                       detail="not declared external")  # fmt: skip
        elif proxy_key not in attached:
            report.add("PLS132", "services", name, "networks", service=name, network=network,
                       detail="service not attached")  # fmt: skip
        if ctx.sso == "forward_auth":
            middlewares = ",".join(str(labels[k]) for k in labels if _ROUTER_MW.match(k))
            if ctx.config.forward_auth_middleware not in middlewares.split(","):
                report.add("PLS134", *where, service=name,
                           middleware=ctx.config.forward_auth_middleware)  # fmt: skip


def check_content_hash_names(report: Report, ctx: LintContext) -> None:
    for section, kind in (("secrets", "Secret"), ("configs", "Config")):
        for key, spec in mapping(report.doc.data.get(section)).items():
            spec = mapping(spec)
            if spec.get("file") and "${" not in str(spec.get("name", "")):
                var = re.sub(r"[^A-Z0-9]", "_", key.upper())
                report.add("PLS140", section, key, kind=kind, name=key, var=var)


STACK_CHECKS: list[Check] = [
    check_interpolation_and_schema,
    check_image,
    check_resources,
    check_health_and_updates,
    check_isolation,
    check_placement,
    check_proxy,
    check_content_hash_names,
]
