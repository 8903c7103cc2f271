"""Writes outage_replay/scenarios/library/aws-us-east-1-2025-10-20.json.

The JSON file is the product; this script is how it is maintained (times as PDT clock
strings, converted to seconds from the scenario start). Run:
    .venv/bin/python tests/simulation/make_aws_scenario.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "outage_replay/scenarios/library/aws-us-east-1-2025-10-20.json"
FACTS = "AWS post-event summary (aws.amazon.com/message/101925), via the project fact sheet"


def t(clock: str, day: int = 20) -> int:
    """'HH:MM' PDT on Oct `day` → seconds from Oct 19 23:30 PDT."""
    h, m = map(int, clock.split(":"))
    return (day - 19) * 86400 + h * 3600 + m * 60 - (23 * 3600 + 30 * 60)


def svc(sid: str, name: str, group: str, description: str, illustrative: bool = False) -> dict:
    return {
        "id": sid,
        "name": name,
        "group": group,
        "description": description,
        "illustrative": illustrative,
    }


SERVICES = [
    svc(
        "route53",
        "Route 53",
        "DNS",
        "Hosts the DynamoDB endpoint records; itself healthy throughout.",
    ),
    svc(
        "ddb-dns",
        "DynamoDB DNS automation",
        "DNS",
        "DNS Planner + three DNS Enactors (one "
        "per AZ) that keep DynamoDB's endpoint records on the newest plan.",
    ),
    svc(
        "dynamodb",
        "DynamoDB (regional endpoint)",
        "Data",
        "dynamodb.us-east-1.amazonaws.com as customers and most AWS services resolve it.",
    ),
    svc(
        "dynamodb-internal",
        "DynamoDB (internal clients)",
        "Data",
        "DynamoDB as reached by "
        "the internal services operators could repoint at 01:15 (STS, IAM sign-in). A "
        "modelling split: AWS says only that 'some internal services' were helped.",
    ),
    svc(
        "dynamodb-global-tables",
        "DynamoDB global tables (replication)",
        "Data",
        "Replication between us-east-1 and other Regions' replicas; it falls behind while "
        "the regional endpoint is unreachable and catches up after.",
    ),
    svc(
        "ec2-dwfm",
        "EC2 DropletWorkflow Manager",
        "Compute",
        "Holds a lease per droplet (physical server); lease check-ins need DynamoDB.",
    ),
    svc(
        "ec2-netmgr",
        "EC2 Network Manager",
        "Compute",
        "Propagates network configuration to new and terminated instances.",
    ),
    svc(
        "ec2-launches",
        "EC2 instance launches",
        "Compute",
        "A launch needs a leased droplet and propagated network state. A modelling split "
        "of EC2 so that 'launches succeed again' (10:36) and 'all EC2 APIs normal' (13:50) "
        "are separate moments, as AWS reports them.",
    ),
    svc(
        "ec2",
        "EC2 API and launches",
        "Compute",
        "RunInstances & co.: need leased droplets, "
        "propagated network state, and get throttled by operators.",
    ),
    svc(
        "nlb",
        "Network Load Balancer",
        "Networking",
        "Health-check subsystem with automatic AZ DNS failover.",
    ),
    svc(
        "lambda",
        "Lambda",
        "Serverless",
        "Function API, SQS event-source polling, internal worker capacity.",
    ),
    svc(
        "lambda-invoke",
        "Lambda invocations (as throttled)",
        "Serverless",
        "Invocations as callers such as Connect see them while operators throttle Lambda "
        "(from 07:04) and relax the throttles gradually (from 11:27). A modelling split of "
        "Lambda: AWS reports the throttling, not a separate component.",
    ),
    svc("ecs", "ECS / EKS / Fargate", "Containers", "Container launches and cluster scaling."),
    svc("sts", "STS", "Identity", "Security Token Service."),
    svc("iam-signin", "IAM console sign-in", "Identity", "Console authentication for IAM users."),
    svc("connect", "Amazon Connect", "Apps", "Contact-centre calls, chats, cases."),
    svc(
        "redshift",
        "Redshift",
        "Data",
        "Queries and cluster management; host replacement needs EC2 launches.",
    ),
    svc("support", "AWS Support Center", "Apps", "Support cases (account-metadata lookups)."),
    svc(
        "mwaa",
        "Managed Workflows for Apache Airflow",
        "Apps",
        "Affected via DynamoDB, EC2, Lambda and Fargate dependencies.",
    ),
    svc(
        "outposts",
        "Outposts lifecycle operations",
        "Compute",
        "Affected via DynamoDB and EC2 launch dependencies.",
    ),
]
APPS = [
    ("snapchat", "Snapchat"),
    ("reddit", "Reddit"),
    ("ring", "Ring"),
    ("fortnite", "Fortnite"),
    ("signal", "Signal"),
    ("coinbase", "Coinbase"),
    ("robinhood", "Robinhood"),
    ("netflix", "Netflix"),
    ("starbucks", "Starbucks app"),
    ("united", "United Airlines"),
    ("banking", "Banking apps"),
    ("hospitals", "Hospital networks"),
    ("smart-home", "Smart-home devices"),
]
for sid, name in APPS:
    SERVICES.append(
        svc(
            sid,
            name,
            "Customers",
            "Reported affected in news coverage of the "
            "outage. Its AWS dependencies here are ILLUSTRATIVE guesses, not "
            "published architecture.",
            illustrative=True,
        )
    )


def dep(  # noqa: PLR0917
    src: str,
    dst: str,
    kind: str = "hard",
    delay_s: int = 60,
    ill: bool = False,
    description: str = "",
) -> dict:
    return {
        "from": src,
        "to": dst,
        "kind": kind,
        "delay_s": delay_s,
        "illustrative": ill,
        "description": description or ("Illustrative." if ill else ""),
    }


INTERNAL = "Client time-outs and retries before errors surface: 60 s, our assumption."
DEPS = [
    dep("ddb-dns", "route53", delay_s=0),
    dep("ec2-dwfm", "dynamodb", delay_s=0, description="Lease state checks read DynamoDB."),
    dep(
        "ec2-launches",
        "ec2-dwfm",
        delay_s=0,
        description="No leased droplet ⇒ 'insufficient capacity'.",
    ),
    dep(
        "ec2-launches",
        "ec2-netmgr",
        delay_s=0,
        description="New instances without network state.",
    ),
    dep("ec2", "ec2-launches", delay_s=0, description="The API is as good as its launches."),
    dep("lambda", "dynamodb", description=INTERNAL),
    dep("ecs", "dynamodb", description=INTERNAL),
    dep("ecs", "ec2", description="Task and node launches need EC2 launches."),
    dep("sts", "dynamodb-internal", description=INTERNAL),
    dep("iam-signin", "dynamodb-internal", description=INTERNAL),
    dep("connect", "dynamodb", description=INTERNAL),
    dep("connect", "lambda", description=INTERNAL),
    dep(
        "connect",
        "lambda-invoke",
        description="Contact flows invoke Lambda functions. " + INTERNAL,
    ),
    dep("redshift", "dynamodb", description=INTERNAL),
    dep("support", "dynamodb", description=INTERNAL),
    dep("mwaa", "dynamodb", description=INTERNAL),
    dep("mwaa", "ec2", "soft"),
    dep("mwaa", "lambda", "soft"),
    dep("mwaa", "ecs", "soft"),
    dep("outposts", "dynamodb"),
    dep("outposts", "ec2", "soft"),
]
APP_DEPS = {
    "snapchat": [("dynamodb", "hard"), ("nlb", "soft")],
    "reddit": [("ec2", "soft"), ("nlb", "soft"), ("dynamodb", "soft")],
    "ring": [("dynamodb", "hard"), ("lambda", "soft")],
    "fortnite": [("dynamodb", "hard"), ("nlb", "soft")],
    "signal": [("dynamodb", "hard")],
    "coinbase": [("dynamodb", "hard"), ("sts", "soft")],
    "robinhood": [("dynamodb", "hard"), ("nlb", "soft")],
    "netflix": [("ec2", "soft")],
    "starbucks": [("dynamodb", "hard"), ("lambda", "soft")],
    "united": [("dynamodb", "soft"), ("ec2", "soft")],
    "banking": [("dynamodb", "hard"), ("sts", "soft")],
    "hospitals": [("ecs", "soft"), ("dynamodb", "soft")],
    "smart-home": [("dynamodb", "hard"), ("lambda", "soft")],
}
for app, targets in APP_DEPS.items():
    for dst, kind in targets:
        DEPS.append(dep(app, dst, kind, 120, ill=True))


def mech(mid: str, mtype: str, services: list[str], params: dict, description: str) -> dict:
    return {
        "id": mid,
        "type": mtype,
        "services": services,
        "params": params,
        "description": description,
    }


FLAP_LOAD = 0.004
# Ready targets that fail on late checks when every check is late (the health-check load
# loop): 1 / FLAP_LOAD, so that at worst their failures alone fill the checker once. At
# that strength the loop amplifies an overload but cannot hold one by itself; AWS's
# re-enabling of failover at 14:09 without new errors rules out a loop above ~510, which
# would have kept the checker overloaded after propagation was normal (docs/MODEL.md §3.6).
LATE_TARGETS = 250
# Backlogs and capacity that move over hours are stepped every 30 s (fluid models
# elsewhere every 10 s, the frame interval); finer steps only cost run time.
SLOW_TICK_S = 30
# Service-owned load balancers (STS, Connect): their AZs fail over more slowly than the
# NLB fleet's (AZ removals per unit of checker overload per second).
SERVICE_LB_FAILOVER_RATE = 0.000005
SERVICE_LB_RATE_TEXT = "at 0.25% of the NLB fleet's rate"
LAMBDA_RELAX_S = 9600
GLOBAL_TABLES_DRAIN_PER_S = 46
DDB_DOWN = {"service": "dynamodb", "status": "down"}
ECS_DRAIN_PER_S = 20

MECHANISMS = [
    mech(
        "ddb-dns",
        "dns_automation",
        ["ddb-dns"],
        {
            "enactors": 3,
            "endpoints": ["regional", "fips", "ipv6", "account"],
            "planner_interval_s": 30,
            "planner_offset_s": 5,
            "poll_interval_s": 2,
            "lock_s": 0.2,
            "apply_s": 0.5,
            "retry_backoff_s": 0.5,
            "cleanup_delay_s": 1,
            "cleanup_age_generations": 2,
            "version_check": "once",
            "cleanup_protects_active": False,
        },
        "Known (AWS): one Planner, three independent Enactors, endpoints regional/FIPS/IPv6/"
        "account-specific, a once-per-pass staleness check, clean-up of much older "
        "generations. OURS (AWS published none): a plan every 30 s, Enactors poll every 2 s "
        "and take up a plan only if it is newer than the last plan any Enactor took up (our "
        "reading of 'newer than the previously applied plan'), the Planner's phase 5 s off "
        "the frame grid (arbitrary; a plan and its pass then show up in one frame), 0.5 s per "
        "Route 53 "
        "transaction (a pass 'typically completes rapidly': about 2.5 s), clean-up of plans "
        "more than 2 generations (60 s) older, 1 s after a pass. A finer Planner period "
        "only costs run time.",
    ),
    mech(
        "ddb-resolvers",
        "dns_cache",
        ["dynamodb"],
        {
            "answer_signal": "ddb-dns.answer",
            "resolvers": 200,
            "ttl_s": 60,
            "negative_ttl_s": 900,
            "negative_ttl_min_s": 60,
        },
        "Known (AWS): recovery 02:25→02:40 'as cached DNS records expired'. OURS: 60 s TTL "
        "for good answers; each resolver caches empty answers for its own 1–15 min (the "
        "15 min maximum chosen from that 15-minute tail).",
    ),
    mech(
        "ddb-internal-resolvers",
        "dns_cache",
        ["dynamodb-internal"],
        {
            "answer_signal": "ddb-dns.answer",
            "resolvers": 200,
            "ttl_s": 60,
            "negative_ttl_s": 600,
            "negative_ttl_min_s": 60,
        },
        "Resolvers of the internal services operators repointed at 01:15. OURS: empty answers "
        "cached 1–10 min.",
    ),
    mech(
        "dwfm",
        "lease_fleet",
        ["ec2-dwfm"],
        {
            "droplets": 100000,
            "batch_size": 500,
            "requires_service": "dynamodb",
            "lease_min_s": 300,
            "lease_max_s": 9400,
            "hosts": 20,
            "work_s": 470,
            "contention_items": 100,
            "timeout_s": 600,
            "incoming_per_s": 0.02,
            "incoming_max_retries": 3,
            "check_interval_s": 30,
        },
        "Known (AWS): leases lapse 'slowly' 23:48→02:24; after DynamoDB returned, lease "
        "work timed out before completing and DWFM went into congestive collapse until "
        "throttling + host restarts at 04:14; all leases by 05:28. OURS: 100k droplets in "
        "200 jobs, remaining lease lifetimes 5 min–2 h 37 min (from AWS's lapse window), "
        "20 workers, 470 s per job uncontended, doubling per 100 queued jobs, 10 min time-out.",
    ),
    mech(
        "ec2-throttle",
        "request_throttle",
        ["ec2"],
        {
            "demand_per_s": 100,
            "retry_share": 0.9,
            "retry_interval_s": 60,
        },
        "EC2 API request throttling ('request limit exceeded'). OURS: demand 100 calls/s "
        "(a unit), 90% of rejected calls retried after ~60 s; throttled to 20% of demand at "
        "04:14 and raised linearly to 130% over 3 h from 11:23 (AWS: 'gradually').",
    ),
    mech(
        "netmgr",
        "work_queue",
        ["ec2-netmgr"],
        {
            "gate": {"metric": "dwfm.leased_fraction", "op": ">=", "value": 1},
            "held_per_s": 3.6,
            "arrival_per_s": 6,
            "release_per_s": 5.9,
            "service_rate_per_s": 10,
            "min_latency_s": 30,
            "latency_degraded_s": 600,
            "latency_normal_s": 120,
        },
        "Known (AWS): propagation work delayed while DWFM lacked leases; from 05:28 a large "
        "backlog; latency up at 06:21; normal 10:36. OURS: 3.6 changes/s held while leases "
        "are missing, 6/s normal arrivals, 10/s capacity, held work released at 5.9/s; "
        "'degraded' above 10 min latency, 'normal' below 2 min.",
    ),
    mech(
        "nlb-hc",
        "health_check_failover",
        ["nlb"],
        {
            "unready_metric": "netmgr.unready",
            "target_fraction": 0.3,
            "base_load": 0.6,
            "flap_load": FLAP_LOAD,
            "late_targets": LATE_TARGETS,
            "load_balancers": 50,
            "azs": 3,
            "failover_rate_per_s": 0.002,
            "return_rate_per_s": 0.01,
            "load_fraction": 0.75,
        },
        "Known (AWS): checks flapped for instances whose network state had not propagated; "
        "checker load rose; automatic AZ failover removed healthy capacity; disabling it at "
        "09:36 ended the errors. OURS: 30% of unready instances are NLB targets, each adds "
        "0.4% checker load (so checks overload about 400 unready targets in, a few minutes "
        "after the backlog starts); traffic needs 75% of capacity. Late checks fail ready "
        "targets too (up to 250 when every check is late), which loads the checker further: "
        "a loop that amplifies the overload but, at this strength, ends with its trigger.",
    ),
    mech(
        "lambda-sqs",
        "stuck_until_operator",
        ["lambda"],
        {
            "trigger": {"service": "dynamodb", "status": "down", "for_s": 600},
            "stuck_status": "degraded",
            "stuck_error_rate": 0.2,
            "backlog_per_s": 1,
            "drain_per_s": 4,
            "label": "Lambda's SQS polling subsystem",
            "tick_s": SLOW_TICK_S,
        },
        "Known (AWS): the SQS poller failed and did not recover by itself; restored 04:40; "
        "backlogs processed by 06:00. OURS: backlog in arbitrary units, drained 4× faster "
        "than it grew.",
    ),
    mech(
        "lambda-capacity",
        "capacity_pool",
        ["lambda"],
        {
            "demand": 0.7,
            "erode_when": {"service": "nlb", "status": ["degraded", "down"]},
            "erode_per_s": 0.00007,
            "restore_when": {"service": "ec2-netmgr", "status": "healthy"},
            "restore_per_s": 0.00009,
            "tick_s": SLOW_TICK_S,
        },
        "Known (AWS, unconfirmed): NLB health-check failures terminated Lambda's internal "
        "instances, leaving it under-scaled (07:04) until EC2 launches worked. OURS: 0.007%/s "
        "capacity lost while NLB is failing, rebuilt at 0.009%/s of full size once launched "
        "instances get network. Lambda no longer depends on NLB directly: its NLB-related "
        "impact in AWS's account is this under-scaling, not errors from 05:30.",
    ),
    mech(
        "sts-nlb",
        "health_check_failover",
        ["sts"],
        {
            "unready_metric": "netmgr.unready",
            "target_fraction": 0.3,
            "base_load": 0.6,
            "flap_load": FLAP_LOAD,
            "late_targets": LATE_TARGETS,
            "load_balancers": 50,
            "azs": 3,
            "failover_rate_per_s": SERVICE_LB_FAILOVER_RATE,
            "return_rate_per_s": 0.01,
            "load_fraction": 0.5,
        },
        "STS's own load balancers, checked by the same overloaded NLB health-check "
        "subsystem. Known (AWS): STS's second wave of errors (08:31–09:59) came from NLB "
        "health-check failures. OURS: these load balancers carry headroom (traffic needs "
        "half their capacity) and their AZs fail over "
        + SERVICE_LB_RATE_TEXT
        + ", so errors start only once more than half their AZ capacity is out.",
    ),
    mech(
        "connect-nlb",
        "health_check_failover",
        ["connect"],
        {
            "unready_metric": "netmgr.unready",
            "target_fraction": 0.3,
            "base_load": 0.6,
            "flap_load": FLAP_LOAD,
            "late_targets": LATE_TARGETS,
            "load_balancers": 50,
            "azs": 3,
            "failover_rate_per_s": SERVICE_LB_FAILOVER_RATE,
            "return_rate_per_s": 0.01,
            "load_fraction": 0.5,
        },
        "Amazon Connect's own load balancers (AWS: the second wave came from 'Connect's "
        "NLBs' and Lambda errors). OURS: the same parameters as STS's load balancers.",
    ),
    mech(
        "lambda-throttle",
        "request_throttle",
        ["lambda-invoke"],
        {"demand_per_s": 100, "retry_share": 0.9, "retry_interval_s": 60},
        "Known (AWS, partly unconfirmed): after 07:04 Lambda throttled event-source mappings "
        "and async invocations to protect synchronous ones; after 11:27 the throttles were "
        "reduced gradually; Connect recovered at 13:20 'as Lambda invocation errors "
        "recover'. OURS: demand 100 calls/s (a unit), 90% of throttled calls retried after "
        "~60 s; throttled to half the demand, relaxed linearly to 130% over "
        + f"{LAMBDA_RELAX_S // 60} min.",
    ),
    mech(
        "ecs-backlog",
        "stuck_until_operator",
        ["ecs"],
        {
            "trigger": {"service": "ec2", "status": ["degraded", "down"], "for_s": 1800},
            "release_when": {"service": "ec2", "status": "healthy"},
            "stuck_status": "degraded",
            "stuck_error_rate": 0.3,
            "backlog_per_s": 1,
            "drain_per_s": ECS_DRAIN_PER_S,
            "label": "ECS/EKS/Fargate task launches and cluster scaling",
            "tick_s": SLOW_TICK_S,
        },
        "Known (AWS): container launch failures and cluster-scaling delays while EC2 "
        "launches failed; ECS, EKS and Fargate recovered at 14:20, after EC2 (13:50). "
        "OURS: pending launches and scaling work pile up at one unit per second while EC2 "
        "launches have been failing for 30 min, and drain at "
        + f"{ECS_DRAIN_PER_S}/s once EC2 is healthy.",
    ),
    mech(
        "redshift-hosts",
        "stuck_until_operator",
        ["redshift"],
        {
            "trigger": {"service": "dynamodb", "status": "down", "for_s": 3600},
            "release_when": {"service": "ec2", "status": "healthy"},
            "stuck_status": "degraded",
            "stuck_error_rate": 0.3,
            "backlog_per_s": 1,
            "drain_per_s": 0.42,
            "label": "Redshift host-replacement workflows",
            "tick_s": SLOW_TICK_S,
        },
        "Known (AWS): node credentials expired, host replacements waited on EC2 launches; "
        "backlog growth stopped 06:45; last clusters restored Oct 21 04:05. OURS: credentials "
        "expire after 1 h of DynamoDB outage; one cluster-unit per second queued; drained at "
        "0.42/s once EC2 is healthy.",
    ),
    mech(
        "ddb-global-tables",
        "stuck_until_operator",
        ["dynamodb-global-tables"],
        {
            "trigger": DDB_DOWN,
            "release_when": {"service": "dynamodb", "status": ["recovering", "healthy"]},
            "stuck_status": "degraded",
            "stuck_error_rate": 0.1,
            "backlog_per_s": 1,
            "drain_per_s": GLOBAL_TABLES_DRAIN_PER_S,
            "label": "Global-table replication",
            "tick_s": SLOW_TICK_S,
        },
        "Known (AWS): global-table replicas in other Regions lagged and had caught up by "
        "02:32 [S×3]. OURS: changes to replicate pile up at one unit per second while "
        "DynamoDB is down and are sent once its endpoint resolves again, at "
        f"{GLOBAL_TABLES_DRAIN_PER_S} units/s (fitted to 02:32).",
    ),
]

FAULTS = [
    {
        "id": "enactor-a-delay",
        "at_s": t("23:45", 19) + 30,
        "type": "enactor_delay",
        "target": "ddb-dns",
        "params": {"enactor": "a", "lock_delay_s": 75, "duration_s": 600, "jitter": 0.1},
        "description": "AWS: 'unusually high delays' for one Enactor just before 23:48, which "
        "had to retry its update on several endpoints (DAT453: the delay was in acquiring "
        "the lock). OURS: from 23:45:30, for 10 min, each of Enactor A's lock requests "
        "takes 75 s (±10%) and is then served behind the other Enactors' writes. The race "
        "itself is not scripted: it needs A's plan to age past the clean-up threshold "
        "while A waits. Over seeds 0–59 it empties the record inside the fault window every "
        "time, by 23:50 in 52 of them.",
    }
]


def iv(  # noqa: PLR0917
    iid: str,
    action: str,
    target: str,
    label: str,
    when: dict,
    params: dict | None = None,
    description: str = "",
) -> dict:
    return {
        "id": iid,
        "when": when,
        "action": action,
        "target": target,
        "params": params or {},
        "label": label,
        "enabled": True,
        "description": description,
    }


def alarm(name: str, on: dict, detect_s: int = 0, respond_s: int = 0) -> dict:
    """An operator alarm: `on` held `detect_s`, then `respond_s` to act (operators.py)."""
    return {"alarm": name, "on": on, "detect_s": detect_s, "respond_s": respond_s}


def fired(iid: str) -> dict:
    return {"intervention": iid}


# Operators (OURS unless noted). Detection: how long a condition holds before someone is
# paged and looking at it. Response: diagnosis, decision and the change itself. Where a
# response is FITTED its value is the gap between the alarm and AWS's time for the action.
PAGE_S = 300  # OURS: a 5-minute alarm evaluation window, a common default.
WATCH_S = 600  # OURS: 10 minutes of a sustained problem before a team acts on it.
DIAGNOSIS_S = 2700  # FITTED: AWS identified the DNS state at 00:38, 50 min after 23:48.
INTERNAL_MITIGATION_S = 2230  # FITTED to 01:15.
DNS_RESTORE_S = 6430  # FITTED to 02:25 (manual restoration of every record).
DWFM_RESPONSE_S = 5100  # FITTED to 04:14 (engineers tried mitigations first; AWS gives none).
SQS_RESPONSE_S = 6720  # FITTED to 04:40.
REDSHIFT_BACKLOG = 21000  # FITTED to 06:45: cluster-units queued (about 6 h of failures).
NLB_DETECT_S = 4660  # FITTED: AWS's monitoring detected the NLB failures at 06:52.
NLB_RESPONSE_S = 9840  # FITTED to 09:36.
EC2_RELAX_S = 2880  # FITTED to 11:23.
NLB_ENABLE_S = 1020  # FITTED to 14:09.
COLLAPSED = {"metric": "dwfm.collapsed", "op": "==", "value": True}
INTERVENTIONS = [
    iv(
        "ddb-diagnosis",
        "diagnose",
        "ddb-dns",
        "Engineers identify DynamoDB's DNS state as the source",
        alarm("DynamoDB error-rate alarm", DDB_DOWN, PAGE_S, DIAGNOSIS_S),
        description="AWS: the DNS state was identified as the source at 00:38 [Q]. "
        "OURS: paged after 5 min of errors; the diagnosis time is fitted to 00:38.",
    ),
    iv(
        "internal-mitigation",
        "override",
        "ddb-internal-resolvers",
        "Temporary DNS mitigations let some internal services reach DynamoDB",
        alarm(
            "Diagnosis: internal clients still fail",
            {"all": [fired("ddb-diagnosis"), {"service": "dynamodb-internal", "status": "down"}]},
            0,
            INTERNAL_MITIGATION_S,
        ),
        description="AWS: temporary mitigations for some internal services at 01:15 [S×3]. "
        "OURS: starts from the diagnosis; the response time is fitted to 01:15.",
    ),
    iv(
        "dns-restore",
        "restore_records",
        "ddb-dns",
        "Operators manually restore all DynamoDB DNS records",
        alarm(
            "Diagnosis: the regional record is empty",
            {"all": [fired("ddb-diagnosis"), DDB_DOWN]},
            0,
            DNS_RESTORE_S,
        ),
        description="AWS: all DNS information restored by hand by 02:25 [Q/S×4]; the "
        "automation stayed disabled. OURS: starts from the diagnosis; fitted to 02:25.",
    ),
    iv(
        "dwfm-throttle",
        "throttle_incoming",
        "dwfm",
        "Engineers throttle incoming work to DWFM",
        alarm("DWFM goodput alarm", COLLAPSED, WATCH_S, DWFM_RESPONSE_S),
        {"max_in_system": 20},
        "AWS: after attempts that did not resolve the collapse, engineers throttled "
        "incoming work and restarted DWFM hosts at 04:14 [Q/S×4]. OURS: the alarm watches "
        "DWFM's measured goodput (collapsed for 10 min); the response is fitted to 04:14.",
    ),
    iv(
        "dwfm-restart",
        "restart_hosts",
        "dwfm",
        "Engineers selectively restart DWFM hosts, flushing their queues",
        alarm("DWFM throttled", fired("dwfm-throttle")),
        description="Part of the same 04:14 action [Q/S×4].",
    ),
    iv(
        "ec2-api-throttle",
        "throttle",
        "ec2-throttle",
        "EC2 API requests throttled ('request limit exceeded')",
        alarm("DWFM throttled", fired("dwfm-throttle")),
        {"limit_per_s": 20},
        "AWS: EC2 API requests throttled from the DWFM recovery on [S]. OURS: at once.",
    ),
    iv(
        "lambda-sqs-restore",
        "release",
        "lambda-sqs",
        "Lambda's failed SQS polling subsystem restored by hand",
        alarm(
            "Lambda SQS poller did not recover with DynamoDB",
            {
                "all": [
                    {"metric": "lambda-sqs.stuck", "op": "==", "value": True},
                    {"service": "dynamodb", "status": "healthy"},
                ]
            },
            WATCH_S,
            SQS_RESPONSE_S,
        ),
        description="AWS: the SQS poller failed and was restored by hand at 04:40 [S×3]. "
        "OURS: noticed 10 min after DynamoDB is healthy again; response fitted to 04:40.",
    ),
    iv(
        "redshift-stop-growth",
        "stop_growth",
        "redshift-hosts",
        "Redshift engineers stop the host-replacement backlog from growing",
        alarm(
            "Redshift host-replacement backlog alarm",
            {"metric": "redshift-hosts.backlog", "op": ">", "value": REDSHIFT_BACKLOG},
            PAGE_S,
        ),
        description="AWS: backlog growth stopped at 06:45 [S×1]. OURS: engineers act once "
        f"{REDSHIFT_BACKLOG:,} cluster-units are queued (fitted to 06:45).",
    ),
    iv(
        "lambda-throttle-on",
        "throttle",
        "lambda-throttle",
        "Lambda throttles event-source mappings and async invokes to protect sync invokes",
        alarm(
            "Lambda capacity alarm",
            {"metric": "lambda-capacity.error_rate", "op": ">", "value": 0.01},
            60,
        ),
        {"limit_per_s": 50},
        "AWS (unconfirmed): throttling from 07:04 [R]. OURS: a 1-minute alarm on Lambda's "
        "capacity errors, acted on at once (an automated or pre-approved response).",
    ),
    iv(
        "nlb-diagnosis",
        "diagnose",
        "nlb-hc",
        "Monitoring detects NLB health-check failures",
        alarm(
            "NLB health-check failure alarm",
            {"service": "nlb", "status": ["degraded", "down"]},
            NLB_DETECT_S,
        ),
        description="AWS: monitoring detected NLB health-check failures at 06:52 [Q/S×3], "
        "82 min after NLB errors began. OURS: that detection time is fitted.",
    ),
    iv(
        "nlb-disable-failover",
        "disable_failover",
        "nlb-hc",
        "Engineers disable automatic NLB health-check failover",
        alarm(
            "NLB health checks diagnosed",
            {"all": [fired("nlb-diagnosis"), {"service": "nlb", "status": ["degraded", "down"]}]},
            0,
            NLB_RESPONSE_S,
        ),
        description="AWS: automatic failover disabled at 09:36 [Q/S×4]. OURS: the response "
        "after detection is fitted to 09:36.",
    ),
    iv(
        "sts-nlb-disable-failover",
        "disable_failover",
        "sts-nlb",
        "The same switch for STS's load balancers",
        alarm("NLB failover disabled", fired("nlb-disable-failover")),
    ),
    iv(
        "connect-nlb-disable-failover",
        "disable_failover",
        "connect-nlb",
        "The same switch for Connect's load balancers",
        alarm("NLB failover disabled", fired("nlb-disable-failover")),
    ),
    iv(
        "lambda-relax",
        "relax",
        "lambda-throttle",
        "Lambda's throttles are reduced gradually",
        alarm(
            "Lambda capacity restored",
            {"all": [fired("lambda-throttle-on"), {"service": "lambda", "status": "healthy"}]},
            60,
        ),
        {"ramp_s": LAMBDA_RELAX_S, "to_limit_per_s": 130},
        "AWS: throttles reduced gradually from 11:27 [S/R]. OURS: once Lambda has been "
        "healthy for a minute.",
    ),
    iv(
        "ec2-relax",
        "relax",
        "ec2-throttle",
        "Engineers start relaxing EC2 request throttles",
        alarm(
            "Network propagation normal",
            {
                "all": [
                    fired("ec2-api-throttle"),
                    {"service": "ec2-netmgr", "status": "healthy"},
                    {"metric": "netmgr.gate_open", "op": "==", "value": True},
                ]
            },
            WATCH_S,
            EC2_RELAX_S,
        ),
        {"ramp_s": 10800, "to_limit_per_s": 130},
        "AWS: throttles relaxed gradually from 11:23 [S×3], after propagation was normal "
        "(10:36). OURS: 10 min of normal propagation, then a response fitted to 11:23.",
    ),
    iv(
        "nlb-enable-failover",
        "enable_failover",
        "nlb-hc",
        "Automatic NLB health-check failover re-enabled",
        alarm(
            "EC2 healthy with failover off",
            {
                "all": [
                    {"metric": "nlb-hc.failover_enabled", "op": "==", "value": False},
                    {"service": "ec2", "status": "healthy"},
                ]
            },
            WATCH_S,
            NLB_ENABLE_S,
        ),
        description="AWS: re-enabled at 14:09 [S], after EC2 was normal (13:50). OURS: "
        "10 min of healthy EC2, then a response fitted to 14:09.",
    ),
    iv(
        "sts-nlb-enable-failover",
        "enable_failover",
        "sts-nlb",
        "The same switch for STS's load balancers",
        alarm("NLB failover re-enabled", fired("nlb-enable-failover")),
    ),
    iv(
        "connect-nlb-enable-failover",
        "enable_failover",
        "connect-nlb",
        "The same switch for Connect's load balancers",
        alarm("NLB failover re-enabled", fired("nlb-enable-failover")),
    ),
]


def ms(  # noqa: PLR0917
    mid: str,
    clock: str,
    label: str,
    service: str | None,
    kind: str,
    match: dict | None,
    conf: str,
    day: int = 20,
) -> dict:
    out = {
        "id": mid,
        "at_s": t(clock, day),
        "label": label,
        "kind": kind,
        "source": f"[{conf}] {FACTS}",
        "fitted": mid in FITTED,
    }
    if mid in TOLERANCE_S:
        out["tolerance_s"] = TOLERANCE_S[mid]
    if service:
        out["service"] = service
    if match is not None:
        out["match"] = match
    return out


def edge(service: str, status: str | list, which: str = "enter", after_s: int = 0) -> dict:
    out = {"service": service, "status": status, "edge": which}
    if after_s:
        out["after_s"] = after_s
    return out


LATE = 20000
# Milestones a parameter was chosen to reproduce (docs/MODEL.md §4 lists which parameter).
# Every other milestone with a simulated time is a prediction of the model.
# The seven scored targets and their tolerances (docs/MODEL.md, the fidelity section);
# the other milestones are compared without a tolerance of their own.
TOLERANCE_S = {
    "ddb-errors": 120,
    "ddb-recovered": 300,
    "all-leases": 600,
    "nlb-errors": 900,
    "netmgr-latency": 900,
    "netmgr-normal": 1200,
    "ec2-recovered": 1200,
}

FITTED = {
    "ddb-errors",  # fault start and size
    "diagnosis",  # DIAGNOSIS_S
    "internal-mitigation",  # INTERNAL_MITIGATION_S
    "dns-restored",  # DNS_RESTORE_S
    "ddb-recovered",  # negative_ttl_s (15 min)
    "leases-lapsed",  # lease_max_s
    "dwfm-throttle-restart",  # DWFM_RESPONSE_S
    "lambda-sqs-restored",  # SQS_RESPONSE_S
    "all-leases",  # work_s
    "lambda-sqs-drained",  # drain_per_s
    "netmgr-latency",  # held_per_s
    "redshift-stop",  # REDSHIFT_BACKLOG
    "nlb-detected",  # NLB_DETECT_S
    "lambda-underscaled",  # erode_per_s
    "sts-wave2",  # failover_rate_per_s of the service load balancers
    "nlb-failover-off",  # NLB_RESPONSE_S
    "netmgr-normal",  # release_per_s / service_rate_per_s
    "ec2-relax",  # EC2_RELAX_S
    "lambda-recovered",  # restore_per_s
    "connect-restored",  # LAMBDA_RELAX_S
    "ec2-recovered",  # the EC2 relax ramp (3 h)
    "nlb-failover-on",  # NLB_ENABLE_S
    "ecs-recovered",  # ECS_DRAIN_PER_S
    "redshift-restored",  # drain_per_s of redshift-hosts
    "global-tables",  # GLOBAL_TABLES_DRAIN_PER_S
}
MILESTONES = [
    ms(
        "ecs-errors",
        "23:45",
        "ECS/EKS/Fargate launch failures begin",
        "ecs",
        "emergent",
        edge("ecs", "healthy", "exit"),
        "R",
        19,
    ),
    ms(
        "redshift-errors",
        "23:47",
        "Redshift API and query errors begin",
        "redshift",
        "emergent",
        edge("redshift", "healthy", "exit"),
        "S×1",
        19,
    ),
    ms(
        "ddb-errors",
        "23:48",
        "DynamoDB API errors begin (regional record empty)",
        "dynamodb",
        "emergent",
        edge("dynamodb", "healthy", "exit"),
        "P",
        19,
    ),
    ms(
        "dwfm-checks-fail",
        "23:48",
        "DWFM state checks fail; EC2 API errors begin",
        "ec2-dwfm",
        "emergent",
        edge("ec2-dwfm", "healthy", "exit"),
        "Q/S×3",
        19,
    ),
    ms(
        "lambda-errors",
        "23:51",
        "Lambda API errors and latency begin",
        "lambda",
        "emergent",
        edge("lambda", "healthy", "exit"),
        "S×1; R",
        19,
    ),
    ms(
        "sts-errors",
        "23:51",
        "STS errors and latency begin",
        "sts",
        "emergent",
        edge("sts", "healthy", "exit"),
        "S×1",
        19,
    ),
    ms(
        "iam-errors",
        "23:51",
        "IAM console sign-in failures begin",
        "iam-signin",
        "emergent",
        edge("iam-signin", "healthy", "exit"),
        "S×1",
        19,
    ),
    ms(
        "connect-errors",
        "23:56",
        "Amazon Connect errors begin (S10 says 00:20)",
        "connect",
        "emergent",
        edge("connect", "healthy", "exit"),
        "R, conflicting",
        19,
    ),
    ms(
        "diagnosis",
        "00:38",
        "Engineers identify DynamoDB's DNS state as the source",
        "dynamodb",
        "operator",
        {"intervention": "ddb-diagnosis"},
        "Q",
    ),
    ms(
        "internal-mitigation",
        "01:15",
        "Temporary mitigations for internal services",
        "dynamodb-internal",
        "operator",
        {"intervention": "internal-mitigation"},
        "S×3",
    ),
    ms(
        "sts-recovered",
        "01:19",
        "STS recovers (internal DynamoDB endpoints restored)",
        "sts",
        "emergent",
        edge("sts", "down", "exit"),
        "S×2",
    ),
    ms(
        "redshift-iam-all-regions",
        "01:20",
        "Redshift IAM-user queries work again in all Regions",
        "redshift",
        "reference",
        None,
        "R",
    ),
    ms(
        "iam-recovered",
        "01:25",
        "IAM console sign-in back to normal",
        "iam-signin",
        "emergent",
        edge("iam-signin", "healthy"),
        "S×2",
    ),
    ms(
        "redshift-queries",
        "02:21",
        "Redshift queries and cluster operations work again",
        "redshift",
        "emergent",
        edge("redshift", "down", "exit"),
        "S×1; R",
    ),
    ms(
        "lambda-mostly",
        "02:24",
        "Lambda recovers except SQS polling",
        "lambda",
        "emergent",
        edge("lambda", "down", "exit"),
        "S×2",
    ),
    ms(
        "leases-lapsed",
        "02:24",
        "Droplet leases finish timing out",
        "ec2-dwfm",
        "emergent",
        {"event": "dwfm.all_lapsed"},
        "S×2",
    ),
    ms(
        "dns-restored",
        "02:25",
        "All DynamoDB DNS information restored (manual)",
        "dynamodb",
        "operator",
        {"intervention": "dns-restore"},
        "Q/S×4",
    ),
    ms(
        "dwfm-reestablish",
        "02:25",
        "DWFM starts re-establishing leases (congestive collapse follows)",
        "ec2-dwfm",
        "emergent",
        {"event": "dwfm.checks_ok"},
        "Q/S×3",
    ),
    ms(
        "launch-failures",
        "02:25",
        "New EC2 launches fail (AWS intro: period 3 begins)",
        "ec2-launches",
        "emergent",
        edge("ec2-launches", "down", "enter", t("02:00")),
        "P",
    ),
    ms(
        "global-tables",
        "02:32",
        "Global-table replicas caught up",
        "dynamodb-global-tables",
        "emergent",
        {"event": "stuck.drained", "actor": "ddb-global-tables"},
        "S×3",
    ),
    ms(
        "ddb-recovered",
        "02:40",
        "DynamoDB recovered as cached DNS records expire",
        "dynamodb",
        "emergent",
        edge("dynamodb", "healthy"),
        "P, S×3",
    ),
    ms(
        "support-mitigated",
        "02:40",
        "Support Center case access mitigated",
        "support",
        "emergent",
        edge("support", "healthy"),
        "S×1; R",
    ),
    ms(
        "support-further",
        "02:58",
        "Support Center: further action to prevent recurrence",
        "support",
        "reference",
        None,
        "S×1; R",
    ),
    ms(
        "dwfm-throttle-restart",
        "04:14",
        "DWFM work throttled, DWFM hosts restarted",
        "ec2-dwfm",
        "operator",
        {"intervention": "dwfm-restart"},
        "Q/S×4",
    ),
    ms(
        "lambda-sqs-restored",
        "04:40",
        "Lambda SQS poller restored by hand",
        "lambda",
        "operator",
        {"intervention": "lambda-sqs-restore"},
        "S×3",
    ),
    ms("connect-chat", "05:00", "Connect chat errors end", "connect", "reference", None, "S×1; R"),
    ms(
        "all-leases",
        "05:28",
        "Leases re-established with all droplets",
        "ec2-dwfm",
        "emergent",
        {"event": "dwfm.all_leases"},
        "Q/S×4",
    ),
    ms(
        "netmgr-backlog",
        "05:28",
        "Network Manager starts on the delayed propagation backlog",
        "ec2-netmgr",
        "emergent",
        {"metric": "netmgr.backlog", "op": ">", "value": 0, "after_s": 3600},
        "S×2",
    ),
    ms(
        "nlb-errors",
        "05:30",
        "NLB connection errors begin",
        "nlb",
        "emergent",
        edge("nlb", "healthy", "exit"),
        "P, S×4",
    ),
    ms(
        "lambda-sqs-drained",
        "06:00",
        "Lambda SQS backlogs processed",
        "lambda",
        "emergent",
        {"event": "stuck.drained", "actor": "lambda-sqs"},
        "S×1; R",
    ),
    ms(
        "netmgr-latency",
        "06:21",
        "Network propagation latency rises; new instances lack network",
        "ec2-netmgr",
        "emergent",
        {"event": "queue.latency_high"},
        "S×4",
    ),
    ms(
        "redshift-stop",
        "06:45",
        "Redshift host-replacement backlog stopped from growing",
        "redshift",
        "operator",
        {"intervention": "redshift-stop-growth"},
        "S×1",
    ),
    ms(
        "nlb-detected",
        "06:52",
        "Monitoring detects NLB health-check failures",
        "nlb",
        "operator",
        {"intervention": "nlb-diagnosis"},
        "Q/S×3",
    ),
    ms(
        "lambda-underscaled",
        "07:04",
        "Lambda under-scaled after NLB-driven terminations",
        "lambda",
        "emergent",
        {"metric": "lambda-capacity.error_rate", "op": ">", "value": 0.01},
        "R",
    ),
    ms(
        "connect-wave2",
        "07:04",
        "Connect second wave of errors (NLB, Lambda)",
        "connect",
        "emergent",
        edge("connect", "healthy", "exit", LATE),
        "S×1",
    ),
    ms(
        "sts-wave2",
        "08:31",
        "STS second wave of errors (NLB health checks)",
        "sts",
        "emergent",
        edge("sts", "healthy", "exit", LATE),
        "S×1",
    ),
    ms(
        "nlb-failover-off",
        "09:36",
        "Automatic NLB health-check failover disabled",
        "nlb",
        "operator",
        {"intervention": "nlb-disable-failover"},
        "Q/S×4",
    ),
    ms(
        "sts-recovered-2",
        "09:59",
        "STS recovered from the NLB issue",
        "sts",
        "emergent",
        edge("sts", "healthy", "enter", LATE),
        "S×3",
    ),
    ms(
        "netmgr-normal",
        "10:36",
        "Network propagation back to normal",
        "ec2-netmgr",
        "emergent",
        {"event": "queue.latency_normal"},
        "P, S×4",
    ),
    ms(
        "launches-succeed",
        "10:37",
        "EC2 launches begin to succeed (AWS intro)",
        "ec2-launches",
        "emergent",
        edge("ec2-launches", "healthy", "enter", LATE),
        "P",
    ),
    ms(
        "ec2-relax",
        "11:23",
        "EC2 request throttles start to be relaxed",
        "ec2",
        "operator",
        {"intervention": "ec2-relax"},
        "S×3",
    ),
    ms(
        "lambda-recovered",
        "11:27",
        "Lambda errors subside",
        "lambda",
        "emergent",
        edge("lambda", "healthy", "enter", 30000),
        "S×1; R",
    ),
    ms(
        "ec2-recovery-start",
        "12:01",
        "EC2: 'Recovery started at 12:01 PM'",
        "ec2",
        "reference",
        None,
        "Q",
    ),
    ms(
        "connect-restored",
        "13:20",
        "Connect restored as Lambda invocation errors recover",
        "connect",
        "emergent",
        edge("connect", "healthy", "enter", 30000),
        "S×2",
    ),
    ms(
        "ec2-recovered",
        "13:50",
        "All EC2 APIs and launches normal",
        "ec2",
        "emergent",
        edge("ec2", "healthy", "enter", LATE),
        "P, Q, S×4",
    ),
    ms(
        "nlb-failover-on",
        "14:09",
        "Automatic NLB health-check failover re-enabled",
        "nlb",
        "operator",
        {"intervention": "nlb-enable-failover"},
        "P, S×4",
    ),
    ms(
        "lambda-backlogs",
        "14:15",
        "Lambda: all backlogs processed",
        "lambda",
        "reference",
        None,
        "S×1; R",
    ),
    ms(
        "ecs-recovered",
        "14:20",
        "ECS, EKS and Fargate recovered; end of the event",
        "ecs",
        "emergent",
        edge("ecs", "healthy", "enter", LATE),
        "P, S×1",
    ),
    ms(
        "redshift-workflows",
        "14:46",
        "Blocked Redshift workflows begin to recover",
        "redshift",
        "reference",
        None,
        "R",
    ),
    ms(
        "redshift-restored",
        "04:05",
        "Last impaired Redshift clusters restored",
        "redshift",
        "emergent",
        {"event": "stuck.drained", "actor": "redshift-hosts"},
        "S×4",
        21,
    ),
]

DOC = {
    "format": "outage-replay/1",
    "slug": "aws-us-east-1-2025-10-20",
    "title": "AWS us-east-1: DynamoDB DNS race and cascade",
    "summary": "A latent race in DynamoDB's DNS automation empties the regional endpoint "
    "record; DNS failure spreads through resolver caches; EC2's droplet leases "
    "lapse and DWFM collapses under its own retries once DynamoDB is back; the "
    "delayed network-propagation backlog makes NLB health checks flap and fail "
    "healthy AZs over. The Enactor delay is the one scripted cause; operators act on "
    "alarms (a condition held for a detection time, then a response time), so every "
    "time below, theirs included, is produced by the model. Parameters AWS did not "
    "publish are marked OURS in each mechanism's description.",
    "sources": [
        {
            "title": "Summary of the Amazon DynamoDB Service Disruption in the Northern "
            "Virginia (US-EAST-1) Region",
            "url": "https://aws.amazon.com/message/101925/",
        },
        {
            "title": "GeekWire: How the AWS outage happened",
            "url": "https://www.geekwire.com/"
            "2025/how-the-aws-outage-happened-amazon-blames-rare-software-bug-and-faulty-"
            "automation-for-massive-glitch/",
        },
    ],
    "timezone": "America/Los_Angeles",
    "start": "2025-10-19T23:30:00-07:00",
    "duration_s": 106200,
    "frame_interval_s": 10,
    "seed": 20251020,
    "operators": {"detection_scale": 1.0, "response_scale": 1.0},
    "services": SERVICES,
    "dependencies": DEPS,
    "mechanisms": MECHANISMS,
    "faults": FAULTS,
    "interventions": INTERVENTIONS,
    "milestones": MILESTONES,
}


def what_if(mechanisms: list[dict]) -> dict:
    """The What-if panel's knobs and presets (see simulation/knobs.py)."""
    hosts = next(m for m in mechanisms if m["id"] == "dwfm")["params"]["hosts"]
    knobs = [
        ("ddb-dns", "version_check"),
        ("ddb-dns", "cleanup_protects_active"),
        ("ddb-resolvers", "ttl_s"),
        ("dwfm", "hosts"),
        ("dwfm", "timeout_s"),
    ]
    presets = [
        (
            "aws-fix",
            "AWS's fix: version check on every write",
            "Each Enactor re-checks that its plan is newer than the record before every "
            "write, the fix AWS describes after the event.",
            {"mechanisms.ddb-dns.params.version_check": "per_write"},
        ),
        (
            "no-dwfm-throttle",
            "No DWFM throttle",
            "Engineers never throttle incoming work to DWFM (nor the EC2 API after it).",
            {"interventions.dwfm-throttle.enabled": False},
        ),
        (
            "twice-dwfm-hosts",
            "Twice the DWFM hosts",
            f"{hosts * 2} DWFM workers instead of {hosts} (our parameter, not AWS's figure).",
            {"mechanisms.dwfm.params.hosts": hosts * 2},
        ),
        (
            "operators-twice-as-slow",
            "Operators twice as slow",
            "Every alarm must hold twice as long before the engineers act on it "
            "(each detection time doubled; response times unchanged).",
            {"operators.detection_scale": 2},
        ),
    ]
    return {
        "knobs": [{"mechanism": m, "param": p} for m, p in knobs],
        "presets": [{"id": i, "name": n, "description": d, "variant": v} for i, n, d, v in presets],
    }


DOC.update(what_if(MECHANISMS))

if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(DOC, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
