"""What every app's forms share: Bootstrap styling, the date input, and the way a service's refusal is
shown on the form that asked for the write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


class BootstrapMixin:
    """Give every widget its Bootstrap class and mark fields with errors ``is-invalid``, so templates
    render ``{{ field }}`` through one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO value it expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def attach_service_error(
    form: forms.Form, exc: ValidationError | PermissionDenied, *, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: an error naming a field the form has (possibly under another
    name, see ``aliases``) goes on that field, everything else above the form."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or "您没有执行此操作的权限。")
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    aliases = aliases or {}
    for field, errors in exc.error_dict.items():
        name = aliases.get(field, field)
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)
