"""Choosing the period the incident figures cover: a term or year, or two dates."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from governance import periods
from governance.periods import Period


class PeriodForm(forms.Form):
    """Either `period` (a term or year), or `start` and `end` (dates the reader chooses).

    Dates, when given, win; they are validated with messages that say what to change.
    """

    period = forms.ChoiceField(label="Term or school year", required=False)
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as a date, for example 2026-09-01."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as a date, for example 2026-12-31."},
    )

    def __init__(self, data=None, *, today: datetime.date) -> None:
        super().__init__(data)
        self.today = today
        self.groups = periods.presets(today)
        self.choices = {p.key: p for _, group in self.groups for p in group}
        self.fields["period"].choices = [
            (label, [(p.key, p.label) for p in group]) for label, group in self.groups
        ]
        self.fields["period"].initial = periods.current_term(today).key
        self.fields["period"].error_messages["invalid_choice"] = (
            "Choose one of the terms or school years in the list."
        )

    @property
    def custom(self) -> bool:
        return bool(self.data.get("start") or self.data.get("end"))

    def clean(self) -> dict:
        data = super().clean()
        if not self.custom:
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if start is None:
            self.add_error("start", "Enter the first day of the period as well as the last.")
        if end is None:
            self.add_error("end", "Enter the last day of the period as well as the first.")
        if start is None or end is None:
            return data
        if end < start:
            raise ValidationError("The last day must be on or after the first day.")
        if start > self.today:
            self.add_error("start", "The first day cannot be in the future.")
        if (end - start).days + 1 > periods.MAX_CUSTOM_DAYS:
            raise ValidationError("Choose a period of two years or less.")
        return data

    def chosen(self) -> Period:
        """The period asked for; the current term when nothing, or nothing valid, was."""
        if self.is_bound and self.is_valid():
            if self.custom:
                return periods.custom(self.cleaned_data["start"], self.cleaned_data["end"])
            if key := self.cleaned_data.get("period"):
                return self.choices[key]
        return periods.current_term(self.today)

    def query(self) -> str:
        """The query string that asks for the chosen period again (for the export links)."""
        period = self.chosen()
        if period.key == "custom":
            return f"start={period.start.isoformat()}&end={period.end.isoformat()}"
        return f"period={period.key}"
