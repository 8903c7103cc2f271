"""Admin forms for a scenario and its inline parts, validated together before saving.

Every form of one change-form request shares an `AuthoringContext`: it knows the
scenario's clock (for wall-clock times), the ids of services and mechanisms (saved and
just typed into the other inlines, so a scenario can be written in one go), and all the
formsets. The last formset to validate turns the whole submission into an
`outage-replay/1` document and runs simulation's validator on it; each error is put on
the inline row and field its path names, and the full list on top of the form. Nothing
is saved unless the whole scenario is valid; the user's input stays in the form.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.forms.models import BaseInlineFormSet

from simulation import MECHANISM_TYPES, ScenarioError, decode_json
from simulation.fields import Field
from simulation.spec import row_id, table

from .clock import Clock, format_duration
from .documents import PART_KEYS, document_from_parts, row_document
from .model_fields import column, columns
from .models import PART_MODELS, Scenario
from .validation import validate_document


class AuthoringContext:
    def __init__(self, request: Any, obj: Scenario | None) -> None:
        self.post = request.POST if request.method == "POST" else None
        self.obj = obj
        self.main_form: forms.ModelForm | None = None
        self.formsets: dict[str, BaseInlineFormSet] = {}
        self.checked = False
        if self.post is not None:
            self.clock = Clock.for_values(self.post.get("start"), self.post.get("timezone"))
        elif obj is not None:
            self.clock = Clock.for_values(obj.start, obj.timezone)
        else:
            self.clock = None

    def keys(self, prefix: str) -> list[str]:
        """Ids of the services/mechanisms: saved ones, then those typed in this request."""
        saved = list(getattr(self.obj, prefix).values_list("key", flat=True)) if self.obj else []
        posted = []
        if self.post is not None:
            pattern = re.compile(rf"^{prefix}-(\d+)-key$")
            for name, value in self.post.items():
                m = pattern.match(name)
                if m and value.strip() and not self.post.get(f"{prefix}-{m.group(1)}-DELETE"):
                    posted.append(value.strip())
        seen: dict[str, None] = {}
        for key in posted + saved:
            seen.setdefault(key, None)
        return list(seen)

    # -- whole-scenario validation ---------------------------------------------------

    def check(self) -> list[tuple[str, str]]:
        """Validate the submission as one document; attach errors; return them."""
        self.checked = True
        main = self.main_form
        if main is None:
            return []
        # Field errors do not stop the whole-scenario check: everything comes back in one
        # round (a field that already has an error is not reported twice).
        main.is_valid()
        for formset in self.formsets.values():
            formset.is_valid()
        kept = {key: self.kept_forms(key) for key in PART_KEYS}
        doc = document_from_parts(
            main.instance, **{key: [f.instance for f in forms_] for key, forms_ in kept.items()}
        )
        try:
            validate_document(doc)
        except ScenarioError as exc:
            errors = [(p, m) for p, m in exc.errors if not self._reported(p, kept)]
            named = [(self.named(p, kept), m) for p, m in errors]
            self.attach(errors, named, kept)
            return named
        return []

    def _form_at(self, path: str, kept: dict[str, list]) -> tuple[Any, str] | None:
        """The inline form and model field a path like `faults[2].at_s` points at."""
        m = re.match(r"^(\w+)\[(\d+)\](?:\.(\w+))?", path)
        if not m or m.group(1) not in kept or int(m.group(2)) >= len(kept[m.group(1)]):
            return None
        form = kept[m.group(1)][int(m.group(2))]
        return form, columns(m.group(1)).get(m.group(3) or "", "")

    def _reported(self, path: str, kept: dict[str, list]) -> bool:
        at = self._form_at(path, kept)
        if at is not None:
            form, field = at
            return bool(field and field in form.errors)
        main = self.main_form
        top = path.split(".", maxsplit=1)[0].split("[", maxsplit=1)[0]
        return bool(main is not None and top in main.fields and top in main.errors)

    def named(self, path: str, kept: dict[str, list]) -> str:
        """`interventions[1].when` → `interventions[dns-restore].when` (the row's id)."""
        m = re.match(r"^(\w+)\[(\d+)\](.*)$", path, re.S)
        at = self._form_at(path, kept)
        if not m or at is None:
            return path
        part = m.group(1)
        item = row_document(part, at[0].instance)
        ident = row_id(part, item)
        if part != "dependencies" and not item.get("id"):
            return path
        if part == "dependencies" and not (item.get("from") and item.get("to")):
            return path
        return f"{part}[{ident}]{m.group(3)}"

    def kept_forms(self, key: str) -> list[forms.ModelForm]:
        formset = self.formsets.get(key)
        if formset is None:
            return []
        return [
            f
            for f in formset.forms
            if (f.instance.pk or f.has_changed()) and not formset._should_delete_form(f)
        ]

    def attach(
        self,
        errors: list[tuple[str, str]],
        named: list[tuple[str, str]],
        kept: dict[str, list],
    ) -> None:
        assert self.main_form is not None
        self.main_form.add_error(None, [f"{path}: {message}" for path, message in named])
        for (path, message), (shown, _) in zip(errors, named, strict=True):
            text = f"{shown}: {message}"
            m = re.match(r"^(\w+)\[(\d+)\](?:\.(\w+))?", path)
            if m and m.group(1) in kept and int(m.group(2)) < len(kept[m.group(1)]):
                form = kept[m.group(1)][int(m.group(2))]
                field = columns(m.group(1)).get(m.group(3) or "", "")
                form.add_error(field if field in form.fields else None, text)
            elif path.split(".")[0] in self.formsets:
                self.formsets[path.split(".")[0]]._non_form_errors.append(text)
            else:
                field = path.split(".")[0].split("[")[0]
                if field in self.main_form.fields:
                    self.main_form.add_error(field, text)


class BoundedJSONField(forms.JSONField):
    """A JSON box decoded like every other input: depth counted before parsing (no
    RecursionError from 5,000 `[`), size bounded, no lone surrogates."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value not in self.empty_values:
            try:
                decode_json(value)
            except ScenarioError as exc:
                raise ValidationError(exc.errors[0][1], code="invalid") from None
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        if isinstance(data, str) and not self.disabled:
            try:
                decode_json(data)
            except ScenarioError:
                return InvalidJSONInput(data)  # shown again as typed
        return super().bound_data(data, initial)


class PositionedJSONField(BoundedJSONField):
    """A JSON box whose syntax errors say where (`invalid JSON: Expecting property name
    enclosed in double quotes at line 1 column 22`), and where an empty box means
    `empty` ({} for parameters)."""

    def __init__(self, *args: Any, empty: Any = None, **kwargs: Any) -> None:
        self.empty = empty
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return copy.deepcopy(self.empty)
        converted = super().to_python(value)
        return copy.deepcopy(self.empty) if converted is None else converted

    def prepare_value(self, value: Any) -> Any:
        if value is None and self.empty is not None:
            value = self.empty
        return super().prepare_value(value)


class OptionalJSONField(PositionedJSONField):
    """JSON that may be left empty (None), shown as an empty box rather than `null`."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


SMALL_TEXT = forms.Textarea(attrs={"rows": 2, "cols": 28})
JSON_WIDGET = forms.Textarea(attrs={"rows": 3, "cols": 34, "class": "json-input"})


def _context_of(form: forms.BaseForm) -> AuthoringContext | None:
    return getattr(form, "admin_context", None)


class ScenarioForm(forms.ModelForm):
    admin_context: AuthoringContext | None = None

    class Meta:
        model = Scenario
        fields = "__all__"
        widgets = {  # noqa: RUF012
            "title": forms.TextInput(attrs={"class": "vLargeTextField", "size": 90}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "sources": forms.Textarea(attrs={"rows": 3, "class": "json-input"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.admin_context is not None:
            self.admin_context.main_form = self


class ScenarioTimeField(forms.CharField):
    """Seconds from start, typed as wall-clock (`02:25`, `Oct 20 02:25`) or seconds."""

    def __init__(self, *, clock: Clock | None = None, **kwargs: Any) -> None:
        self.clock = clock
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 14, "class": "time-input"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and self.clock is not None:
            return self.clock.label(value)
        return value

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, int):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        if self.clock is None:
            if re.fullmatch(r"\+?\d+\s*s?", text):
                return int(re.sub(r"\D", "", text))
            raise forms.ValidationError(
                "set a valid start and time zone to enter wall-clock times, or enter seconds"
            )
        try:
            return self.clock.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def _choices(keys: list[str], current: Any, blank: bool = False) -> list[tuple[str, str]]:
    values = list(keys)
    for value in current if isinstance(current, list) else [current]:
        if value and value not in values:
            values.append(value)
    return ([("", "—")] if blank else []) + [(k, k) for k in values]


class PartForm(forms.ModelForm):
    """An inline row of one part, its form fields chosen by the part's field table:
    times as scenario-time fields, references as selects of the ids in the submission."""

    part = ""

    def __init__(self, *args: Any, admin_context: AuthoringContext | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.admin_context = admin_context
        for f in table(self.part):
            name = column(f)
            if name in self.fields:
                self._typed(f, name)
        self.label_widgets()

    def label_widgets(self) -> None:
        """Table cells have no <label>: name each input for assistive technology."""
        row = self.prefix.rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else "new"
        for name, field in self.fields.items():
            label = field.label or name
            field.widget.attrs.setdefault("aria-label", f"{self.part} {number}: {label}")

    def _typed(self, f: Field, name: str) -> None:
        field = self.fields[name]
        kind = f.kind
        if isinstance(field, forms.JSONField) and kind != "condition":
            field = self.fields[name] = PositionedJSONField(
                required=field.required,
                label=field.label,
                help_text=field.help_text,
                empty={} if kind in ("params", "object") else None,
            )
        if kind == "text":
            field.widget = copy.deepcopy(SMALL_TEXT)
        elif kind in ("params", "object"):
            field.widget = copy.deepcopy(JSON_WIDGET)
        elif kind == "condition":
            self.fields[name] = OptionalJSONField(
                required=False,
                widget=copy.deepcopy(JSON_WIDGET),
                label=field.label,
                help_text=field.help_text,
            )
        elif kind == "int" and f.time:
            self._time_field(name, field)
        elif kind == "ref":
            self._reference(name, f.ref, blank=f.nullable)
        elif kind == "refs":
            current = getattr(self.instance, name, None) if self.instance.pk else []
            self.fields[name] = forms.MultipleChoiceField(
                required=False,
                label=field.label,
                choices=_choices(self.keys(f.ref), current),
                widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-checks"}),
            )
        elif kind == "name":
            current = (
                self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
            )
            self.fields[name] = forms.ChoiceField(
                choices=[("", "—"), *_choices(registered_names(f.names), current)],
                label=field.label,
                help_text=field.help_text,
            )

    def _time_field(self, name: str, field: forms.Field) -> None:
        clock = self.admin_context.clock if self.admin_context else None
        self.fields[name] = ScenarioTimeField(
            clock=clock,
            required=field.required,
            label=field.label,
            help_text="02:25 · Oct 20 02:25 · +2h55m · seconds",
        )
        value = self.initial.get(name)
        if isinstance(value, int):
            self.fields[name].widget.attrs["title"] = (
                f"{clock.utc_label(value)} · " if clock else ""
            ) + f"+{format_duration(value)} from start ({value} s)"

    def keys(self, prefix: str) -> list[str]:
        return self.admin_context.keys(prefix) if self.admin_context else []

    def _reference(self, name: str, prefix: str, *, blank: bool = False) -> None:
        current = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        field = self.fields[name]
        self.fields[name] = forms.ChoiceField(
            choices=_choices(self.keys(prefix), current, blank),
            required=field.required,
            label=field.label,
            help_text=field.help_text,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Lists of ids keep the order they had; newly ticked ones go last.
        for f in table(self.part):
            name = column(f)
            if f.kind == "refs" and name in cleaned:
                chosen = cleaned.get(name) or []
                before = [s for s in (getattr(self.instance, name, None) or []) if s in chosen]
                cleaned[name] = before + [s for s in chosen if s not in before]
        return cleaned


def registered_names(names: str) -> list[str]:
    """Mechanism types, or every fault / action any mechanism type declares (the page's
    script narrows a row's list to its target's)."""
    if names == "mechanism_types":
        return sorted(MECHANISM_TYPES)
    registry = "FAULTS" if names == "faults" else "ACTIONS"
    return sorted({n for cls in MECHANISM_TYPES.values() for n in getattr(cls, registry)})


def part_form(part: str) -> type[PartForm]:
    """The inline form class of `part`."""
    model = PART_MODELS[part]
    meta = type("Meta", (), {"model": model, "fields": inline_fields(part)})
    return type(f"{model.__name__}Form", (PartForm,), {"part": part, "Meta": meta})


def inline_fields(part: str) -> tuple[str, ...]:
    """The inline's columns: every field of the part's table, in document order."""
    return tuple(column(f) for f in table(part))


class PartFormSet(BaseInlineFormSet):
    """Registers itself with the context; the last one validates the whole scenario."""

    admin_context: AuthoringContext | None = None
    doc_key = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.admin_context is not None:
            self.admin_context.formsets[self.prefix] = self

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if isinstance(form, PartForm):
            form.label_widgets()

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        kwargs["admin_context"] = self.admin_context
        return kwargs

    def clean(self) -> None:
        super().clean()
        ctx = self.admin_context
        if ctx is None or not ctx.formsets or list(ctx.formsets.values())[-1] is not self:
            return
        if ctx.check():
            raise forms.ValidationError(
                "The scenario is not valid as a whole; see the errors listed at the top."
            )
