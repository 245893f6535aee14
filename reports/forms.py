"""The report's scope and period, read from the query string (GET) or an export request (POST)."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from citizens.models import Neighbourhood
from consultations.models import Consultation
from projects.models import Project

from .periods import CUSTOM, DEFAULT_PRESET, PRESET_CHOICES, Period, today
from .scopes import CONSULTATION, NEIGHBOURHOOD, PROJECT, TOWN, Scope, scope_from_key
from .selectors import period_for_preset

EARLIEST_DAY = dt.date(2000, 1, 1)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportForm(forms.Form):
    perimetre = forms.ChoiceField(
        label=_("Périmètre"),
        help_text=_(
            "Un quartier couvre les projets situés dans ce quartier ; une concertation, ses "
            "contributions et ses votes."
        ),
    )
    periode = forms.ChoiceField(label=_("Période"), choices=PRESET_CHOICES)
    du = forms.DateField(
        label=_("Du"), required=False, input_formats=DATE_FORMATS, widget=DateInput()
    )
    au = forms.DateField(
        label=_("Au (inclus)"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        help_text=_("Les dates servent quand la période est « Dates choisies ci-dessous »."),
    )

    def __init__(self, data=None, **kwargs):
        defaults = {"perimetre": TOWN, "periode": DEFAULT_PRESET}
        if data is not None:
            data = {**defaults, **{key: data.get(key) for key in data}}
        super().__init__(data, **kwargs)
        self.fields["perimetre"].choices = self._scope_choices()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("perimetre", css_class="col-md-6 col-lg-4"),
                Column("periode", css_class="col-md-6 col-lg-3"),
                Column("du", css_class="col-6 col-lg-2"),
                Column("au", css_class="col-6 col-lg-3"),
            )
        )

    @staticmethod
    def _scope_choices() -> list:
        def group(label, kind, rows):
            return (label, [(f"{kind}:{slug}", title) for slug, title in rows])

        return [
            (TOWN, _("Toute la commune")),
            group(
                _("Un quartier"),
                NEIGHBOURHOOD,
                Neighbourhood.objects.order_by("name").values_list("slug", "name"),
            ),
            group(
                _("Un projet"),
                PROJECT,
                Project.objects.order_by("title").values_list("slug", "title"),
            ),
            group(
                _("Une concertation"),
                CONSULTATION,
                Consultation.objects.order_by("-opens_at").values_list("slug", "title"),
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        preset, start, end = cleaned.get("periode"), cleaned.get("du"), cleaned.get("au")
        if preset == CUSTOM:
            if start is None and "du" not in self.errors:
                self.add_error("du", _("Indiquez le premier jour de la période."))
            if end is None and "au" not in self.errors:
                self.add_error("au", _("Indiquez le dernier jour de la période."))
            if start and start < EARLIEST_DAY:
                self.add_error("du", _("Choisissez une date à partir du 1er janvier 2000."))
            if end and end > today() + dt.timedelta(days=366):
                self.add_error("au", _("Choisissez une date d'ici un an au plus."))
            if start and end and start > end:
                self.add_error("au", _("Le dernier jour doit venir après le premier."))
        key = cleaned.get("perimetre")
        if key:
            scope = scope_from_key(key)
            if scope is None:
                self.add_error("perimetre", _("Ce périmètre n'existe pas ou plus."))
            cleaned["scope"] = scope
        return cleaned

    @property
    def scope(self) -> Scope:
        return self.cleaned_data["scope"]

    @property
    def period(self) -> Period:
        preset = self.cleaned_data["periode"]
        if preset == CUSTOM:
            return Period(self.cleaned_data["du"], self.cleaned_data["au"], CUSTOM)
        return period_for_preset(preset)
