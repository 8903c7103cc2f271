"""What a scenario exposes to every viewer: knobs, presets, and the public-variant rule.

- A **knob** marks one mechanism parameter as worth changing
  (`{"mechanism": "ddb-dns", "param": "version_check"}`). Its label, unit, bounds and
  help come from the mechanism's `PARAMS` table, never from the scenario, so a knob
  cannot promise a range the model does not accept.
- A **preset** is a named variant the author wrote
  (`{"id": "aws-fix", "name": "AWS's fix: …", "variant": {path: value}}`); it may only
  touch what a public variant may touch.
- A **public variant** (`check_public_variant`) changes only the knobs and each
  intervention's `enabled` and `at_s`, and the operators' `detection_scale` /
  `response_scale`; the seed travels beside it. Presentation fields
  (titles, summaries, sources, names), the duration and the frame interval are never
  variant paths. Each refusal names its path: `variant.duration_s: not changeable …`.
"""

from __future__ import annotations

from typing import Any

from simulation.errors import ScenarioError
from simulation.mechanisms import MECHANISM_TYPES
from simulation.params import Param, check_value
from simulation.spec import Knob, MechanismSpec, Scenario

Errors = list[tuple[str, str]]
KNOB_KINDS = ("int", "float", "bool", "choice")
MAX_VARIANT_ENTRIES = 50
# Intervention fields a public variant may set, and the kind of value each takes.
INTERVENTION_FIELDS = ("enabled", "at_s")
ACRONYMS = {"ttl", "dns", "nlb", "az", "azs", "api", "id", "ip"}
# The scenario's operator scales (simulation/operators.py), e.g. a preset "Operators twice
# as slow" = {"operators.detection_scale": 2}.
OPERATOR_SCALES = {
    "detection_scale": "multiplies every alarm's detection time",
    "response_scale": "multiplies every alarm's response time",
}
REFUSED = (
    "not changeable in a variant: only the scenario's knobs, an intervention's "
    "enabled/at_s (and its alarm's respond_s), the operators' scales, and the seed are"
)


def knob_param(mechs: dict[str, MechanismSpec], knob: Knob) -> Param:
    return MECHANISM_TYPES[mechs[knob.mechanism].type].PARAMS[knob.param]


def check_presets(doc: dict[str, Any], scenario: Scenario) -> Scenario:
    """Presets are checked against the scenario they vary, then applied and validated
    whole (so a preset can never produce a scenario that would not run). The validator
    has checked each preset's shape (its field table) already."""
    from simulation.validate import parse_document
    from simulation.variants import apply_variant

    errors: Errors = []
    for i, preset in enumerate(scenario.presets):
        check_public_variant(scenario, preset.variant, errors, prefix=f"presets[{i}].variant")
    if not errors:
        base = {k: v for k, v in doc.items() if k != "presets"}
        for i, preset in enumerate(scenario.presets):
            try:
                parse_document(apply_variant(base, preset.variant))
            except ScenarioError as exc:
                errors.extend((f"presets[{i}].variant: {p}", m) for p, m in exc.errors)
    if errors:
        raise ScenarioError(errors)
    return scenario


def check_public_variant(
    scenario: Scenario, variant: Any, errors: Errors, *, prefix: str = "variant"
) -> dict[str, Any]:
    """The variant with values normalised and no-op entries dropped; errors appended."""
    if not isinstance(variant, dict):
        errors.append((prefix, "must be an object of path: value"))
        return {}
    if len(variant) > MAX_VARIANT_ENTRIES:
        errors.append((prefix, f"at most {MAX_VARIANT_ENTRIES} entries"))
        return {}
    current = exposed_values(scenario)
    params = exposed_params(scenario)
    out: dict[str, Any] = {}
    for path in sorted(variant, key=str):
        if path not in params:
            errors.append((f"{prefix}.{path}", REFUSED))
            continue
        value, message = check_value(params[path], variant[path])
        if message:
            errors.append((f"{prefix}.{path}", message))
        elif value != current[path] or type(value) is not type(current[path]):
            out[path] = value
    return out


def public_variant(scenario: Scenario, variant: Any) -> dict[str, Any]:
    """`check_public_variant` for one request: the normalised variant or `ScenarioError`."""
    errors: Errors = []
    out = check_public_variant(scenario, variant, errors)
    if errors:
        raise ScenarioError(errors)
    return out


def exposed_params(scenario: Scenario) -> dict[str, Param]:
    """Every public variant path → the `Param` that checks its value."""
    mechs = {m.id: m for m in scenario.mechanisms}
    out = {k.path: knob_param(mechs, k) for k in scenario.knobs}
    for key, doc in OPERATOR_SCALES.items():
        out[f"operators.{key}"] = Param("float", 1.0, "×", doc, 0.1, 10)
    for i in scenario.interventions:
        out[f"interventions.{i.id}.enabled"] = Param("bool", i.enabled, "", "whether it happens")
        out[f"interventions.{i.id}.at_s"] = Param(
            "int", i.at_s or 0, "s", "earliest time it happens", 0, scenario.duration_s
        )
        respond_s = alarm_response_s(i.when)
        if respond_s is not None:
            out[f"interventions.{i.id}.when.respond_s"] = Param(
                "int", respond_s, "s", "response time after the alarm", 0, scenario.duration_s
            )
    return out


def alarm_response_s(when: Any) -> int | None:
    """An alarm's response time (its `respond_s`, 0 if left out); None when `when` is
    not an alarm. Shifting an operator action means shifting this, since `at_s` is only
    a "not before" floor once operators are modelled."""
    if isinstance(when, dict) and "alarm" in when:
        return int(when.get("respond_s", 0))
    return None


def exposed_values(scenario: Scenario) -> dict[str, Any]:
    """Every public variant path → the scenario's own value."""
    mechs = {m.id: m for m in scenario.mechanisms}
    out: dict[str, Any] = {k.path: mechs[k.mechanism].params[k.param] for k in scenario.knobs}
    for key in OPERATOR_SCALES:
        out[f"operators.{key}"] = float(scenario.operators.get(key, 1.0))
    for i in scenario.interventions:
        out[f"interventions.{i.id}.enabled"] = i.enabled
        out[f"interventions.{i.id}.at_s"] = i.at_s or 0
        respond_s = alarm_response_s(i.when)
        if respond_s is not None:
            out[f"interventions.{i.id}.when.respond_s"] = respond_s
    return out


def knob_table(scenario: Scenario) -> list[dict[str, Any]]:
    """What the What-if panel shows for each knob (from the mechanism's PARAMS table)."""
    mechs = {m.id: m for m in scenario.mechanisms}
    rows = []
    for knob in scenario.knobs:
        param = knob_param(mechs, knob)
        rows.append(
            {
                "path": knob.path,
                "mechanism": knob.mechanism,
                "param": knob.param,
                "label": getattr(param, "label", "") or _label(knob.param),
                "value": mechs[knob.mechanism].params[knob.param],
                **param.to_dict(),
            }
        )
    return rows


def _label(name: str) -> str:
    if name.endswith("_s") and not name.endswith("_per_s"):
        name = name.removesuffix("_s")  # the unit says seconds
    words = " ".join(w.upper() if w in ACRONYMS else w for w in name.split("_"))
    return words[:1].upper() + words[1:]


def describe_variant(document: dict[str, Any], variant: dict[str, Any], seed: int | None) -> str:
    """A short name for a run's variant: the preset it is, else what it changes
    ("version check = per_write; Engineers throttle … : off"); "" for the scenario itself.
    Works on the raw document (a run's frozen spec) without validating it again."""
    parts = []
    for preset in document.get("presets") or []:
        if isinstance(preset, dict) and preset.get("variant") == variant and variant:
            parts.append(str(preset.get("name", "")))
            break
    else:
        parts += [_describe_entry(document, path, value) for path, value in sorted(variant.items())]
    default_seed = document.get("seed")
    if seed is not None and default_seed is not None and seed != default_seed:
        parts.append(f"seed {seed}")
    return "; ".join(p for p in parts if p)


def _describe_entry(document: dict[str, Any], path: str, value: Any) -> str:
    bits = path.split(".")
    if len(bits) == 4 and bits[0] == "mechanisms" and bits[2] == "params":
        mech = next((m for m in document.get("mechanisms", []) if m.get("id") == bits[1]), None)
        param = MECHANISM_TYPES.get(mech.get("type", "")) if mech else None
        spec = param.PARAMS.get(bits[3]) if param else None
        unit = f" {spec.unit}" if spec and spec.unit and not isinstance(value, bool | str) else ""
        label = (getattr(spec, "label", "") if spec else "") or _label(bits[3])
        return f"{label} = {_value_text(value)}{unit}"
    if len(bits) == 3 and bits[0] == "interventions":
        items = document.get("interventions", [])
        item: dict[str, Any] = next((i for i in items if i.get("id") == bits[1]), {})
        label = str(item.get("label") or bits[1])
        if bits[2] == "enabled":
            return f"{label}: never" if value is False else f"{label}: happens"
        if bits[2] == "at_s" and isinstance(value, int | float):
            shift_min = round((value - (item.get("at_s") or 0)) / 60)
            when = "later" if shift_min >= 0 else "earlier"
            return f"{label}: {abs(shift_min)} min {when}"
    if bits[:1] == ["interventions"] and bits[2:] == ["when", "respond_s"]:
        items = document.get("interventions", [])
        item = next((i for i in items if i.get("id") == bits[1]), {})
        base = alarm_response_s(item.get("when"))
        if isinstance(value, int | float) and base is not None:
            shift_min = round((value - base) / 60)
            when = "later" if shift_min >= 0 else "sooner"
            return f"{item.get('label') or bits[1]}: responds {abs(shift_min)} min {when}"
    return f"{path} = {_value_text(value)}"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
