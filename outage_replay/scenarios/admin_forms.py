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
from django.forms.models import BaseInlineFormSet

from simulation import MECHANISM_TYPES, ScenarioError

from .clock import Clock, format_duration
from .documents import PART_DOCS, document_from_parts
from .models import Scenario
from .validation import validate_document

# Document key → model field, where they differ (everything under it maps to the field).
FIELD_FOR_DOC_KEY = {"id": "key", "from": "source", "to": "target"}


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
        if main is None or not main.is_valid():
            return []
        if not all(fs.is_valid() for fs in self.formsets.values()):
            return []
        kept = {key: self.kept_forms(key) for key in PART_DOCS}
        doc = document_from_parts(
            main.instance, **{key: [f.instance for f in forms_] for key, forms_ in kept.items()}
        )
        try:
            validate_document(doc)
        except ScenarioError as exc:
            self.attach(exc.errors, kept)
            return exc.errors
        return []

    def kept_forms(self, key: str) -> list[forms.ModelForm]:
        formset = self.formsets.get(key)
        if formset is None:
            return []
        return [
            f
            for f in formset.forms
            if (f.instance.pk or f.has_changed()) and not formset._should_delete_form(f)
        ]

    def attach(self, errors: list[tuple[str, str]], kept: dict[str, list]) -> None:
        assert self.main_form is not None
        self.main_form.add_error(None, [f"{path}: {message}" for path, message in errors])
        for path, message in errors:
            text = f"{path}: {message}"
            m = re.match(r"^(\w+)\[(\d+)\](?:\.(\w+))?", path)
            if m and m.group(1) in kept and int(m.group(2)) < len(kept[m.group(1)]):
                form = kept[m.group(1)][int(m.group(2))]
                field = FIELD_FOR_DOC_KEY.get(m.group(3) or "", m.group(3) or "")
                form.add_error(field if field in form.fields else None, text)
            elif path.split(".")[0] in self.formsets:
                self.formsets[path.split(".")[0]]._non_form_errors.append(text)
            else:
                field = path.split(".")[0].split("[")[0]
                if field in self.main_form.fields:
                    self.main_form.add_error(field, text)


class OptionalJSONField(forms.JSONField):
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
    """Base for inline rows: gets the context, turns `at_s` into a scenario-time field."""

    time_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, admin_context: AuthoringContext | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.admin_context = admin_context
        clock = admin_context.clock if admin_context else None
        for name, field in self.fields.items():
            if name == "description":
                field.widget = copy.deepcopy(SMALL_TEXT)
            elif name in ("params", "when", "match"):
                field.widget = copy.deepcopy(JSON_WIDGET)
                if name != "params":
                    self.fields[name] = OptionalJSONField(
                        required=False,
                        widget=JSON_WIDGET,
                        label=field.label,
                        help_text=field.help_text,
                    )
        for name in self.time_fields:
            model_field = self.fields[name]
            self.fields[name] = ScenarioTimeField(
                clock=clock,
                required=model_field.required,
                label=model_field.label,
                help_text="02:25 · Oct 20 02:25 · +2h55m · seconds",
            )
            value = self.initial.get(name)
            if isinstance(value, int):
                self.fields[name].widget.attrs["title"] = (
                    f"{clock.utc_label(value)} · " if clock else ""
                ) + f"+{format_duration(value)} from start ({value} s)"

    def keys(self, prefix: str) -> list[str]:
        return self.admin_context.keys(prefix) if self.admin_context else []

    def reference(self, name: str, prefix: str, *, blank: bool = False) -> None:
        current = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        field = self.fields[name]
        self.fields[name] = forms.ChoiceField(
            choices=_choices(self.keys(prefix), current, blank),
            required=field.required,
            label=field.label,
            help_text=field.help_text,
        )


class ServiceForm(PartForm):
    pass


class DependencyForm(PartForm):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.reference("source", "services")
        self.reference("target", "services")


class MechanismForm(PartForm):
    services = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-checks"})
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        current = self.instance.services if self.instance.pk else []
        self.fields["services"].choices = _choices(self.keys("services"), current)
        types = sorted(MECHANISM_TYPES)
        self.fields["type"] = forms.ChoiceField(
            choices=[("", "—"), *_choices(types, self.initial.get("type"))],
            label="Type",
        )

    def clean_services(self) -> list[str]:
        chosen = self.cleaned_data.get("services") or []
        before = [s for s in (self.instance.services or []) if s in chosen]
        return before + [s for s in chosen if s not in before]


class FaultForm(PartForm):
    time_fields = ("at_s",)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.reference("target", "mechanisms")


class InterventionForm(PartForm):
    time_fields = ("at_s",)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.reference("target", "mechanisms")


class MilestoneForm(PartForm):
    time_fields = ("at_s",)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.reference("service", "services", blank=True)


class KnobForm(PartForm):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.reference("mechanism", "mechanisms")
        self.fields["param"].help_text = "a number, switch or choice parameter of that mechanism"


class PresetForm(PartForm):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["variant"].widget = copy.deepcopy(JSON_WIDGET)


class PartFormSet(BaseInlineFormSet):
    """Registers itself with the context; the last one validates the whole scenario."""

    admin_context: AuthoringContext | None = None
    doc_key = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.admin_context is not None:
            self.admin_context.formsets[self.prefix] = self

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
