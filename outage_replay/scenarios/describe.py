"""Conditions (`when`, `match`) as short English, for the public scenario page."""

from __future__ import annotations

from typing import Any

from .clock import format_duration

OPS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "==": "is", "!=": "is not"}


def describe_condition(  # noqa: PLR0911 - one return per condition shape
    cond: Any, names: dict[str, str], labels: dict[str, str]
) -> str:
    if not isinstance(cond, dict):
        return str(cond)
    if "all" in cond or "any" in cond:
        word = " and " if "all" in cond else " or "
        parts = cond.get("all") or cond.get("any") or []
        return word.join(f"({describe_condition(c, names, labels)})" for c in parts)
    if "not" in cond:
        return f"not ({describe_condition(cond['not'], names, labels)})"
    held = f" for {format_duration(cond['for_s'])}" if cond.get("for_s") else ""
    if "service" in cond and "status" in cond:
        status = cond["status"]
        status = " or ".join(status) if isinstance(status, list) else status
        return f"{names.get(cond['service'], cond['service'])} is {status}{held}"
    if "metric" in cond:
        op, value = cond.get("op", "=="), cond.get("value")
        if op == "==" and value is True:
            return f"{cond['metric']}{held}"
        if op == "==" and value is False:
            return f"not {cond['metric']}{held}"
        return f"{cond['metric']} {OPS.get(op, op)} {value}{held}"
    if "intervention" in cond:
        return f"after “{labels.get(cond['intervention'], cond['intervention'])}”"
    return ", ".join(f"{k} {v}" for k, v in cond.items())
