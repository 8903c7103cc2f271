"""A synthetic run in the wire format of docs/CONTRACTS.md, for developing the player
without the server side (`python -m tests.browser.devserver`). Not used by the
end-to-end tests, which replay a real run of the real scenario."""

from __future__ import annotations

from typing import Any

START = "2025-10-19T23:30:00-07:00"
DURATION_S = 106200
FRAME_S = 10

SERVICES = [
    ("dynamodb", "DynamoDB", "Data"),
    ("ec2-dwfm", "EC2 DropletWorkflow Manager", "Compute"),
    ("ec2", "EC2 launches", "Compute"),
    ("network-manager", "Network Manager", "Network"),
    ("nlb", "Network Load Balancer", "Network"),
    ("lambda", "Lambda", "Serverless"),
    ("sts", "STS", "Identity"),
    ("iam", "IAM console sign-in", "Identity"),
    ("redshift", "Redshift", "Data"),
    ("connect", "Amazon Connect", "Apps"),
]
DEPS = [
    ("ec2-dwfm", "dynamodb"),
    ("ec2", "ec2-dwfm"),
    ("network-manager", "ec2"),
    ("nlb", "network-manager"),
    ("lambda", "dynamodb"),
    ("sts", "dynamodb"),
    ("iam", "sts"),
    ("redshift", "dynamodb"),
    ("connect", "lambda"),
    ("connect", "nlb"),
]
# (service, [(from_s, status), ...]) seconds from START (23:30 PDT).
SCRIPT = {
    "dynamodb": [(0, "healthy"), (1080, "down"), (10500, "recovering"), (11400, "healthy")],
    "ec2-dwfm": [(0, "healthy"), (1080, "degraded"), (10500, "down"), (17640, "recovering"),
                 (21480, "healthy")],
    "ec2": [(0, "healthy"), (1080, "degraded"), (10500, "down"), (21480, "degraded"),
            (39420, "recovering"), (51000, "healthy")],
    "network-manager": [(0, "healthy"), (21480, "degraded"), (24660, "down"),
                        (39360, "recovering"), (39420, "healthy")],
    "nlb": [(0, "healthy"), (25920, "degraded"), (26700, "down"), (36360, "recovering"),
            (52140, "healthy")],
    "lambda": [(0, "healthy"), (1260, "down"), (10440, "degraded"), (26640, "down"),
               (42420, "recovering"), (52500, "healthy")],
    "sts": [(0, "healthy"), (1260, "down"), (6540, "healthy"), (32460, "degraded"),
            (37740, "healthy")],
    "iam": [(0, "healthy"), (1260, "down"), (6900, "healthy")],
    "redshift": [(0, "healthy"), (1020, "down"), (10860, "degraded"), (105000, "healthy")],
    "connect": [(0, "healthy"), (1560, "down"), (11400, "degraded"), (26640, "down"),
                (49200, "healthy")],
}
MILESTONES = [
    (1080, "dynamodb", "DynamoDB API errors begin (empty DNS record)", "AWS post-event summary"),
    (3480, "dynamodb", "Engineers identify DynamoDB's DNS state", "AWS post-event summary"),
    (10500, "dynamodb", "All DynamoDB DNS information restored", "AWS post-event summary"),
    (11400, "dynamodb", "DynamoDB recovered as caches expire", "AWS post-event summary"),
    (17040, "ec2-dwfm", "DWFM throttling and host restarts", "AWS post-event summary"),
    (21480, "ec2-dwfm", "All droplet leases established", "AWS post-event summary"),
    (36360, "nlb", "NLB automatic AZ failover disabled", "AWS post-event summary"),
    (39420, "ec2", "EC2 launches succeed again", "AWS post-event summary"),
]


def spec() -> dict[str, Any]:
    return {
        "format": "outage-replay/1",
        "slug": "aws-us-east-1-2025-10-20",
        "title": "AWS us-east-1: DynamoDB DNS race and cascade",
        "summary": "A race in DynamoDB's DNS automation empties the regional endpoint's "
        "record; EC2, NLB and dozens of services follow.",
        "sources": [{"title": "AWS post-event summary", "url": "https://aws.amazon.com/message/101925/"}],
        "timezone": "America/Los_Angeles",
        "start": START,
        "duration_s": DURATION_S,
        "frame_interval_s": FRAME_S,
        "seed": 20251020,
        "services": [
            {"id": i, "name": n, "group": g, "description": f"{n} in us-east-1."}
            for i, n, g in SERVICES
        ],
        "dependencies": [{"from": a, "to": b, "kind": "hard", "delay_s": 0} for a, b in DEPS],
        "mechanisms": [
            {"id": "ddb-dns", "type": "dns_automation", "services": ["dynamodb"], "params": {}},
            {"id": "dwfm", "type": "lease_fleet", "services": ["ec2-dwfm"], "params": {}},
            {"id": "netmgr", "type": "work_queue", "services": ["network-manager"], "params": {}},
            {"id": "nlb-hc", "type": "health_check_failover", "services": ["nlb"], "params": {}},
        ],
        "faults": [],
        "interventions": [],
        "milestones": [
            {"id": f"m{k}", "at_s": at, "service": s, "label": lab, "source": src,
             "kind": "reference"}
            for k, (at, s, lab, src) in enumerate(MILESTONES)
        ],
    }


def _status(sid: str, t_s: int) -> str:
    current = "healthy"
    for at, status in SCRIPT[sid]:
        if t_s >= at:
            current = status
    return current


def _dns(t_s: int) -> dict[str, Any]:
    gen = 1000 + t_s // 30
    if t_s < 1060:
        record = f"plan-{gen - 1}"
    elif t_s < 1080:
        record = "plan-1010"  # the stale overwrite
    elif t_s < 10500:
        record = None
    else:
        record = f"plan-{gen}"
    enactors = []
    for k, name in enumerate(("A", "B", "C")):
        if name == "A" and 1020 <= t_s < 1070:
            state, plan, progress = "delayed", 1010, min(1.0, (t_s - 1020) / 50)
        elif 1080 <= t_s < 10500:
            state, plan, progress = "blocked", gen - 1, 0.0
        else:
            state, plan, progress = ("applying" if (t_s // 30 + k) % 3 == 0 else "idle"), gen - 1, 1.0
        enactors.append({"id": f"enactor-{name.lower()}", "name": f"Enactor {name}",
                         "plan": plan, "progress": round(progress, 2), "state": state})
    return {"record": record, "generation": gen, "enactors": enactors}


def _metrics(t_s: int) -> dict[str, dict[str, Any]]:
    down = 1080 <= t_s < 10500
    leases = 1000 if t_s < 1080 else max(0, 1000 - (t_s - 1080) // 9) if t_s < 17640 else min(
        1000, (t_s - 17640) // 4)
    queue = 0 if t_s < 10500 or t_s > 21480 else (4000 if t_s < 17040 else max(0, 4000 - (t_s - 17040)))
    backlog = 0 if t_s < 21480 or t_s > 39420 else max(0, 8000 - abs(t_s - 27000) // 2)
    healthy = 1.0 if t_s < 25920 or t_s > 36360 else 0.55
    return {
        "ddb-dns": _dns(t_s),
        "dwfm": {"active_leases": leases, "queue": queue, "collapsed": down},
        "netmgr": {"backlog": backlog, "latency_s": backlog // 20},
        "nlb-hc": {"healthy_capacity": healthy},
    }


def _events(t_s: int) -> list[dict[str, Any]]:
    out = []
    for at, sid, label, _src in MILESTONES:
        if t_s - FRAME_S < at <= t_s:
            out.append({"t_ms": at * 1000, "seq": at, "actor": sid, "kind": "fixture",
                        "service": sid, "text": label, "data": {}})
    if t_s == 1060:
        out.append({"t_ms": t_s * 1000, "seq": 1, "actor": "enactor-a", "kind": "dns.overwrite",
                    "service": "dynamodb", "text": "Enactor A applies stale plan 1010 over plan 1034",
                    "data": {}})
    if t_s == 1080:
        out.append({"t_ms": t_s * 1000, "seq": 2, "actor": "enactor-b", "kind": "dns.cleanup",
                    "service": "dynamodb",
                    "text": "Enactor B's clean-up deletes plan 1010 — the active plan: the record is empty",
                    "data": {}})
    return out


def frames() -> list[dict[str, Any]]:
    out = []
    prev_s: dict[str, Any] = {}
    prev_m: dict[str, Any] = {}
    for seq in range(DURATION_S // FRAME_S + 1):
        t_s = seq * FRAME_S
        services = {}
        for sid, *_ in SERVICES:
            status = _status(sid, t_s)
            err = {"healthy": 0.0, "degraded": 0.2, "down": 0.95, "recovering": 0.1}[status]
            services[sid] = {"status": status, "error_rate": err}
        metrics = _metrics(t_s)
        ds = {k: v for k, v in services.items() if prev_s.get(k) != v}
        dm = {k: v for k, v in metrics.items() if prev_m.get(k) != v}
        prev_s, prev_m = services, metrics
        out.append({"seq": seq, "t_ms": t_s * 1000, "services": services, "metrics": metrics,
                    "delta": {"seq": seq, "t_ms": t_s * 1000, "services": ds, "metrics": dm,
                              "events": _events(t_s)}})
    return out


def chunks(every: int = 250) -> list[dict[str, Any]]:
    frs = frames()
    out = []
    for index, start in enumerate(range(0, len(frs), every)):
        part = frs[start : start + every]
        key = {**part[0]["delta"], "services": part[0]["services"], "metrics": part[0]["metrics"]}
        out.append({
            "index": index, "seq_from": part[0]["seq"], "seq_to": part[-1]["seq"],
            "t_from_ms": part[0]["t_ms"], "t_to_ms": part[-1]["t_ms"],
            "keyframe": key, "deltas": [f["delta"] for f in part[1:]],
        })
    return out


def meta(run_id: str, stored_chunks: int | None = None) -> dict[str, Any]:
    total = DURATION_S // FRAME_S + 1
    all_chunks = chunks()
    n = len(all_chunks) if stored_chunks is None else stored_chunks
    stored = all_chunks[n - 1]["seq_to"] if n else -1
    done = n == len(all_chunks)
    return {
        "id": run_id, "status": "done" if done else "running",
        "progress": 1.0 if done else (stored + 1) / total, "error": "", "seed": 20251020,
        "variant": {}, "spec": spec(), "frames_total": total, "stored_seq_to": stored,
        "frame_digest": "", "replay_url": f"/replay/{run_id}/", "ws_url": f"/ws/runs/{run_id}/",
        "summary": {},
    }
