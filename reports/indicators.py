"""What each figure of a report means, how it reads in French, and its flat form for CSV.

The data comes from `reports.selectors.report_compute` (keys only, no sentences), so a
snapshot computed by Celery beat reads in the language of whoever opens the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from citizens import reporting as registry
from citizens.reporting import (  # noqa: F401  (the section and unit names reports use)
    COUNT,
    DAYS,
    HOURS,
    MEANS,
    PARTICIPATION,
    PERCENT,
    REACH,
    RESULTS,
    Indicator,
)
from consultations.models import ContributionState, Outcome
from projects.models import CommentState, Status

SECTION_TITLES = {
    MEANS: gettext_lazy("Les moyens"),
    REACH: gettext_lazy("La portée"),
    PARTICIPATION: gettext_lazy("La participation"),
    RESULTS: gettext_lazy("Les résultats"),
}
SECTION_INTROS = {
    MEANS: gettext_lazy("Ce que la commune a mis en œuvre pour faire participer ses habitants."),
    REACH: gettext_lazy("Qui a participé, et d'où."),
    PARTICIPATION: gettext_lazy("Ce que les habitants ont apporté, semaine après semaine."),
    RESULTS: gettext_lazy("Ce que la participation a changé."),
}

# The indicators about every app at once (moderation, participants, accounts) are the
# report's own; each app registers its others from its `reporting.py` (citizens.reporting).
registry.register_indicators(
    registry.Indicator(
        "moderation_decisions",
        registry.MEANS,
        gettext_lazy("Décisions de modération"),
        gettext_lazy(
            "Décisions inscrites au journal de modération pendant la période (publication, "
            "refus, masquage, rétablissement), y compris les masquages automatiques après "
            "trois signalements."
        ),
        order=80,
    ),
    registry.Indicator(
        "moderation_automatic",
        registry.MEANS,
        gettext_lazy("dont décisions automatiques"),
        gettext_lazy("Masquages décidés automatiquement après trois signalements."),
        order=90,
    ),
    registry.Indicator(
        "participants",
        registry.REACH,
        gettext_lazy("Participants"),
        gettext_lazy(
            "Habitants distincts qui ont, pendant la période, proposé un projet, commenté, "
            "contribué à une concertation, voté ou soutenu un projet. Chacun compte une fois ; "
            "les contributions refusées ou masquées et les commentaires masqués ne comptent pas."
        ),
        order=10,
    ),
    registry.Indicator(
        "new_accounts",
        registry.REACH,
        gettext_lazy("Nouveaux comptes"),
        gettext_lazy(
            "Comptes créés pendant la période : dans toute la commune, dans le quartier choisi, "
            "ou parmi les participants d'un projet ou d'une concertation."
        ),
        order=20,
    ),
    registry.Indicator(
        "participants_by_neighbourhood",
        registry.REACH,
        gettext_lazy("Participants par quartier"),
        gettext_lazy(
            "Participants selon le quartier indiqué dans leur profil, et leur part de la "
            "population du quartier (population saisie par l'équipe dans l'administration)."
        ),
        order=30,
    ),
)


class _IndicatorsByKey(Mapping):
    """Every registered indicator by key, read when used (apps register at `ready()`)."""

    def _all(self) -> dict[str, Indicator]:
        return {indicator.key: indicator for indicator in registry.indicators()}

    def __getitem__(self, key: str) -> Indicator:
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


BY_KEY = _IndicatorsByKey()


# --- formatting ----------------------------------------------------------------------------

NOT_APPLICABLE = "—"


def fmt_count(value) -> str:
    if value is None:
        return NOT_APPLICABLE
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def fmt_decimal(value, places: int = 1) -> str:
    if value is None:
        return NOT_APPLICABLE
    if float(value).is_integer():
        places = 0
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def fmt_percent(value) -> str:
    return NOT_APPLICABLE if value is None else f"{fmt_decimal(value)}\u00a0%"


def fmt_days(value) -> str:
    if value is None:
        return NOT_APPLICABLE
    return ngettext("%(n)s jour", "%(n)s jours", max(1, round(value))) % {"n": fmt_decimal(value)}


def fmt_hours(value) -> str:
    """A delay: in hours under two days, in days above."""
    if value is None:
        return NOT_APPLICABLE
    if value < 1:
        return _("moins d'une heure")
    if value < 48:
        return _("%(n)s h") % {"n": fmt_decimal(round(value, 1))}
    return fmt_days(round(value / 24, 1))


FORMATTERS = {COUNT: fmt_count, DAYS: fmt_days, HOURS: fmt_hours, PERCENT: fmt_percent}


def fmt_value(value, unit: str) -> str:
    return FORMATTERS[unit](value)


def fmt_date(value: str | dt.date) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    text = date_format(value, "j F Y")
    if value.day == 1 and (get_language() or "").startswith("fr"):
        text = "1er" + text[1:]
    return text


def bucket_label(start: str, granularity: str) -> str:
    day = dt.date.fromisoformat(start)
    if granularity == "month":
        return date_format(day, "F Y")
    return _("semaine du %(date)s") % {"date": date_format(day, "j N Y")}


def moderation_state_label(key: str) -> str:
    labels = {**dict(ContributionState.choices), **dict(CommentState.choices)}
    return str(labels.get(key, key or _("Autre décision")))


def outcome_label(key: str) -> str:
    return str(dict(Outcome.choices).get(key, key))


def status_label(key: str) -> str:
    return str(dict(Status.choices).get(key, key))


def neighbourhood_label(row: dict) -> str:
    return row["label"] or _("Quartier non renseigné")


# --- shapes for the page, the PDF and the CSV ----------------------------------------------


def _card(key: str, value, detail: str = "") -> dict:
    indicator = BY_KEY[key]
    return {
        "key": key,
        "label": str(indicator.label),
        "definition": str(indicator.definition),
        "value": fmt_value(value, indicator.unit),
        "detail": detail,
    }


def _part_of(part, whole) -> str:
    if part is None or whole is None:
        return _("sans objet pour ce périmètre")
    return _("%(part)s sur %(whole)s") % {"part": fmt_count(part), "whole": fmt_count(whole)}


def key_figures(data: dict) -> dict[str, list[dict]]:
    """The headline figures of each section, formatted, with their definitions."""
    means, reach, results = data["means"], data["reach"], data["results"]
    totals = data["participation"]["totals"]
    moved = results["projects_status_moved"]
    return {
        MEANS: [
            _card("rounds_held", means["rounds_held"]),
            _card("open_days", means["open_days"]),
            _card("updates_posted", means["updates_posted"]),
            _card(
                "contributions_answered_share",
                means["contributions_answered_share"],
                _part_of(means["contributions_answered"], means["contributions_published"]),
            ),
            _card(
                "comments_answered_share",
                means["comments_answered_share"],
                _part_of(means["comments_answered"], means["comments_top_level"]),
            ),
            _card("median_answer_hours_contributions", means["median_answer_hours_contributions"]),
            _card("median_answer_hours_comments", means["median_answer_hours_comments"]),
            _card(
                "moderation_decisions",
                means["moderation_decisions"],
                ngettext(
                    "dont %(n)s automatique",
                    "dont %(n)s automatiques",
                    means["moderation_automatic"] or 0,
                )
                % {"n": fmt_count(means["moderation_automatic"])},
            ),
        ],
        REACH: [
            _card("participants", reach["participants"]),
            _card("new_accounts", reach["new_accounts"]),
        ],
        PARTICIPATION: [
            _card(name, totals[name]) for name in ("contributions", "comments", "supports", "votes")
        ],
        RESULTS: [
            _card(
                "projects_status_moved",
                moved,
                ""
                if moved is None
                else ngettext(
                    "%(n)s changement d'étape",
                    "%(n)s changements d'étape",
                    results["status_changes"],
                )
                % {"n": fmt_count(results["status_changes"])},
            ),
            _card(
                "proposals_decided",
                results["proposals_decided"],
                ""
                if results["proposals_submitted"] is None
                else _("%(n)s déposées pendant la période")
                % {"n": fmt_count(results["proposals_submitted"])},
            ),
        ],
    }


@dataclass
class Table:
    """A chart's figures, as a table: caption, column headers, rows (first cell is a th)."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[str]]


def tables(data: dict) -> dict[str, Table]:
    means, reach, participation, results = (
        data["means"],
        data["reach"],
        data["participation"],
        data["results"],
    )
    granularity = participation["granularity"]
    series_names = [
        n
        for n in ("contributions", "comments", "supports", "votes")
        if participation["totals"][n] is not None
    ]
    return {
        "participation": Table(
            "participation",
            _("Participation par semaine")
            if granularity == "week"
            else _("Participation par mois"),
            [_("Période")] + [str(BY_KEY[n].label) for n in series_names],
            [
                [bucket_label(b["start"], granularity)] + [fmt_count(b[n]) for n in series_names]
                for b in participation["buckets"]
            ]
            + [[_("Total")] + [fmt_count(participation["totals"][n]) for n in series_names]],
        ),
        "neighbourhoods": Table(
            "neighbourhoods",
            _("Participants par quartier et part de la population"),
            [_("Quartier"), _("Participants"), _("Population"), _("Part de la population")],
            [
                [
                    neighbourhood_label(row),
                    fmt_count(row["participants"]),
                    fmt_count(row["population"]),
                    fmt_percent(row["share"]),
                ]
                for row in reach["by_neighbourhood"]
            ],
        ),
        "outcomes": Table(
            "outcomes",
            _("Sort des contributions (%(n)s avec une réponse dans la synthèse)")
            % {"n": fmt_count(results["contributions_with_outcome"])},
            [_("Sort"), _("Contributions"), _("Part")],
            [
                [outcome_label(row["key"]), fmt_count(row["count"]), fmt_percent(row["share"])]
                for row in results["outcomes"]
            ],
        ),
        "moderation": Table(
            "moderation",
            _("Décisions de modération par état final"),
            [_("État après la décision"), _("Décisions"), _("dont automatiques")],
            [
                [
                    moderation_state_label(row["key"]),
                    fmt_count(row["count"]),
                    fmt_count(row["automatic"]),
                ]
                for row in means["moderation_by_state"]
            ],
        ),
        "statuses": Table(
            "statuses",
            _("Projets arrivés à chaque étape"),
            [_("Nouvelle étape"), _("Projets")],
            [
                [status_label(row["key"]), fmt_count(row["count"])]
                for row in results["status_moves_by_status"]
            ],
        ),
    }


def glossary() -> list[dict]:
    return [
        {
            "key": indicator.key,
            "section": str(SECTION_TITLES[indicator.section]),
            "label": str(indicator.label),
            "definition": str(indicator.definition),
        }
        for indicator in registry.indicators()
    ]


# --- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "section",
    "indicator",
    "label",
    "scope",
    "period_start",
    "period_end",
    "key",
    "value",
    "unit",
]


def csv_rows(data: dict) -> list[dict]:
    """One row per indicator and value (per week, per neighbourhood…), machine-readable."""
    base = {
        "scope": data["scope"]["key"],
        "period_start": data["period"]["start"],
        "period_end": data["period"]["end"],
    }
    rows: list[dict] = []

    def add(section, indicator, key, value, unit=COUNT, label=None):
        rows.append(
            {
                "section": section,
                "indicator": indicator,
                "label": label or str(BY_KEY[indicator].label),
                **base,
                "key": key,
                "value": value,
                "unit": unit,
            }
        )

    means = data["means"]
    for key in (
        "rounds_held",
        "open_days",
        "updates_posted",
        "contributions_answered_share",
        "comments_answered_share",
        "median_answer_hours_contributions",
        "median_answer_hours_comments",
        "moderation_decisions",
        "moderation_automatic",
    ):
        add(MEANS, key, "", means[key], BY_KEY[key].unit)
    add(
        MEANS,
        "contributions_published",
        "",
        means["contributions_published"],
        label=_("Contributions publiées"),
    )
    add(
        MEANS,
        "contributions_answered",
        "",
        means["contributions_answered"],
        label=_("Contributions qui ont reçu une réponse"),
    )
    add(
        MEANS,
        "comments_top_level",
        "",
        means["comments_top_level"],
        label=_("Commentaires d'habitants (hors réponses)"),
    )
    add(
        MEANS,
        "comments_answered",
        "",
        means["comments_answered"],
        label=_("Commentaires qui ont reçu une réponse"),
    )
    for row in means["moderation_by_state"]:
        add(MEANS, "moderation_decisions", row["key"], row["count"])
        add(MEANS, "moderation_automatic", row["key"], row["automatic"])

    reach = data["reach"]
    add(REACH, "participants", "", reach["participants"])
    add(REACH, "new_accounts", "", reach["new_accounts"])
    for row in reach["by_neighbourhood"]:
        add(REACH, "participants_by_neighbourhood", row["key"], row["participants"])
        add(
            REACH,
            "participants_share_of_population",
            row["key"],
            row["share"],
            PERCENT,
            label=_("Part de la population du quartier"),
        )
        add(
            REACH,
            "neighbourhood_population",
            row["key"],
            row["population"],
            label=_("Population du quartier"),
        )

    participation = data["participation"]
    for name, total in participation["totals"].items():
        add(PARTICIPATION, name, "total", total)
        for bucket in participation["buckets"]:
            add(PARTICIPATION, name, bucket["start"], bucket[name])

    results = data["results"]
    add(
        RESULTS,
        "contributions_with_outcome",
        "",
        results["contributions_with_outcome"],
        label=_("Contributions dont le sort est indiqué"),
    )
    for row in results["outcomes"]:
        add(RESULTS, "outcomes", row["key"], row["count"])
        add(
            RESULTS,
            "outcomes_share",
            row["key"],
            row["share"],
            PERCENT,
            label=_("Part des contributions dont le sort est indiqué"),
        )
    add(RESULTS, "projects_status_moved", "", results["projects_status_moved"])
    add(RESULTS, "status_changes", "", results["status_changes"], label=_("Changements d'étape"))
    for row in results["status_moves_by_status"]:
        add(RESULTS, "projects_status_moved", row["key"], row["count"])
    add(RESULTS, "proposals_decided", "", results["proposals_decided"])
    add(RESULTS, "proposals_submitted", "", results["proposals_submitted"])
    return rows
