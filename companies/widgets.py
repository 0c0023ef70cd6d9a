"""The directory's form controls, drawn in Python.

Django draws a widget with a template, and its attributes with another: each costs a
template render of its own, and the directory's nine controls cost more to draw than
the rest of its form. These draw the same markup as Django's templates
(``django/forms/widgets/select.html`` and ``input.html``, attributes by ``attrs.html``'s
rules: ``True`` bare, ``False`` left out), from the same context; a test compares them.
"""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def attributes(attrs):
    """`` name="value"`` each, in order; ``True`` as a bare name, ``False`` left out."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    str(option["value"]),
                    attributes(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            attributes(widget["attrs"]),
            mark_safe("".join(parts)),  # each part built by format_html
        )


class TextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            shown,
            attributes(widget["attrs"]),
        )
