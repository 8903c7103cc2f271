"""Registry of mechanism types: `MECHANISM_TYPES[type] -> Mechanism subclass`, and
`declare_mechanisms(document)`: what each mechanism of a scenario shows (`shows.py`)."""

from __future__ import annotations

from typing import Any

from simulation.mechanisms.base import COMMON_ACTIONS, Mechanism
from simulation.mechanisms.capacity_pool import CapacityPool
from simulation.mechanisms.config_rollout import ConfigRollout
from simulation.mechanisms.dns_automation import DnsAutomation
from simulation.mechanisms.dns_cache import DnsCache
from simulation.mechanisms.health_check_failover import HealthCheckFailover
from simulation.mechanisms.lease_fleet import LeaseFleet
from simulation.mechanisms.request_throttle import RequestThrottle
from simulation.mechanisms.restart_herd import RestartHerd
from simulation.mechanisms.retry_storm import RetryStorm
from simulation.mechanisms.route_announcement import RouteAnnouncement
from simulation.mechanisms.shows import declaration
from simulation.mechanisms.stuck_until_operator import StuckUntilOperator
from simulation.mechanisms.work_queue import WorkQueue

MECHANISM_TYPES: dict[str, type[Mechanism]] = {
    cls.TYPE: cls
    for cls in (
        CapacityPool,
        ConfigRollout,
        DnsAutomation,
        DnsCache,
        HealthCheckFailover,
        LeaseFleet,
        RequestThrottle,
        RestartHerd,
        RetryStorm,
        RouteAnnouncement,
        StuckUntilOperator,
        WorkQueue,
    )
}

# Every type also takes the common actions (`diagnose`), listed with its own.
for _cls in MECHANISM_TYPES.values():
    _cls.ACTIONS = {**COMMON_ACTIONS, **_cls.ACTIONS}


def declare_mechanisms(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The declarations of every mechanism of an `outage-replay/1` document, in order
    (unknown types are skipped: the validator reports them)."""
    out = []
    for mech in document.get("mechanisms") or []:
        cls = MECHANISM_TYPES.get(mech.get("type", ""))
        if cls is None:
            continue
        params = {name: p.default for name, p in cls.PARAMS.items()}
        params.update(mech.get("params") or {})
        out.append(declaration(cls.SHOWS, cls.actors(params), mech))
    return out


__all__ = ["MECHANISM_TYPES", "Mechanism", "declare_mechanisms"]
