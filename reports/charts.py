"""Charts of a report, drawn on the server with matplotlib from the report's numbers.

SVG for the page (text drawn as glyph outlines: the markup holds no text from the database),
PNG for the PDF. Matplotlib's object-oriented API (`Figure`, no pyplot) keeps no global state
between requests; the Agg backend and the DejaVu fonts shipped with matplotlib need neither a
display nor the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from django.core.cache import cache  # noqa: E402
from django.utils.html import escape  # noqa: E402
from django.utils.safestring import SafeString, mark_safe  # noqa: E402
from django.utils.translation import get_language  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .indicators import (  # noqa: E402
    BY_KEY,
    bucket_label,
    fmt_count,
    fmt_date,
    fmt_decimal,
    neighbourhood_label,
    outcome_label,
)

# Okabe–Ito colours (distinguishable with colour blindness), each series also has its own
# line style and marker so that colour is never the only cue.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
STYLES = [("-", "o"), ("--", "s"), ("-.", "^"), (":", "D")]
CACHE_SECONDS = 24 * 3600
# Bump when the drawing changes, so that cached charts are drawn again.
DRAWING_VERSION = 1


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    alt: str
    kind: str
    payload: dict

    def digest(self) -> str:
        raw = json.dumps(
            [DRAWING_VERSION, self.key, self.kind, self.payload, get_language()],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


# --- what to draw --------------------------------------------------------------------------


def chart_specs(data: dict) -> dict[str, ChartSpec | None]:
    """The report's charts by key; None where there is nothing to draw."""
    return {
        "participation": _participation_spec(data),
        "neighbourhoods": _neighbourhoods_spec(data),
        "outcomes": _outcomes_spec(data),
    }


def _participation_spec(data: dict) -> ChartSpec | None:
    participation = data["participation"]
    granularity = participation["granularity"]
    names = [n for n, total in participation["totals"].items() if total is not None]
    buckets = participation["buckets"]
    if not buckets or not names:
        return None
    labels = [bucket_label(b["start"], granularity) for b in buckets]
    totals = ", ".join(
        f"{fmt_count(participation['totals'][n])} {str(BY_KEY[n].label).lower()}" for n in names
    )
    per = _("par semaine") if granularity == "week" else _("par mois")
    alt = _(
        "Courbes de la participation %(per)s, du %(start)s au %(end)s : %(totals)s au total. "
        "Le tableau qui suit donne chaque valeur."
    ) % {
        "per": per,
        "start": fmt_date(data["period"]["start"]),
        "end": fmt_date(data["period"]["end"]),
        "totals": totals,
    }
    return ChartSpec(
        "participation",
        _("La participation %(per)s") % {"per": per},
        alt,
        "lines",
        {
            "labels": labels,
            "series": [
                {"label": str(BY_KEY[n].label), "values": [b[n] for b in buckets]} for n in names
            ],
        },
    )


def _neighbourhoods_spec(data: dict) -> ChartSpec | None:
    rows = data["reach"]["by_neighbourhood"]
    if not rows:
        return None
    with_population = [r for r in rows if r["share"] is not None]
    best = max(with_population, key=lambda r: r["share"], default=None)
    alt = _(
        "Barres du nombre de participants dans chacun des %(n)s quartiers. %(best)s"
        "Le tableau qui suit donne chaque valeur et la part de la population."
    ) % {
        "n": len(rows),
        "best": (
            _(
                "Le quartier où la part de la population qui a participé est la plus forte : "
                "%(name)s (%(share)s %%). "
            )
            % {"name": neighbourhood_label(best), "share": fmt_decimal(best["share"])}
            if best
            else ""
        ),
    }
    return ChartSpec(
        "neighbourhoods",
        _("Participants par quartier"),
        alt,
        "hbars",
        {
            "labels": [neighbourhood_label(r) for r in rows],
            "values": [r["participants"] for r in rows],
            "notes": ["" if r["share"] is None else f"{fmt_decimal(r['share'])} %" for r in rows],
        },
    )


def _outcomes_spec(data: dict) -> ChartSpec | None:
    results = data["results"]
    if not results["contributions_with_outcome"]:
        return None
    parts = "; ".join(
        f"{outcome_label(r['key'])} : {fmt_count(r['count'])} ({fmt_decimal(r['share'])} %)"
        for r in results["outcomes"]
    )
    alt = _(
        "Barres du sort des %(n)s contributions dont la synthèse indique s'il a été pris en "
        "compte. %(parts)s."
    ) % {"n": fmt_count(results["contributions_with_outcome"]), "parts": parts}
    return ChartSpec(
        "outcomes",
        _("Ce que sont devenues les contributions"),
        alt,
        "hbars",
        {
            "labels": [outcome_label(r["key"]) for r in results["outcomes"]],
            "values": [r["count"] for r in results["outcomes"]],
            "notes": [f"{fmt_decimal(r['share'])} %" for r in results["outcomes"]],
        },
    )


# --- drawing -------------------------------------------------------------------------------


def _french_number(value, _pos=None) -> str:
    return fmt_decimal(value)


def _draw(spec: ChartSpec) -> Figure:
    payload = spec.payload
    if spec.kind == "lines":
        figure = Figure(figsize=(8, 3.6), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(payload["labels"])))
        for index, series in enumerate(payload["series"]):
            style, marker = STYLES[index % len(STYLES)]
            axes.plot(
                positions,
                series["values"],
                linestyle=style,
                marker=marker,
                markersize=4 if len(positions) < 40 else 0,
                linewidth=2,
                color=COLOURS[index % len(COLOURS)],
                label=series["label"],
            )
        step = max(1, len(positions) // 8)
        axes.set_xticks(positions[::step], payload["labels"][::step], rotation=30, ha="right")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(_french_number))
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="#dddddd")
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.02),
            frameon=False,
            ncols=min(4, len(payload["series"])),
        )
    else:
        height = max(1.6, 0.45 * len(payload["labels"]) + 0.8)
        figure = Figure(figsize=(8, height), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(payload["labels"])))
        bars = axes.barh(positions, payload["values"], color=COLOURS[0])
        axes.set_yticks(positions, payload["labels"])
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_formatter(FuncFormatter(_french_number))
        labels = [
            f"{fmt_count(value)}  {note}".strip() if note else fmt_count(value)
            for value, note in zip(payload["values"], payload["notes"], strict=True)
        ]
        axes.bar_label(bars, labels=labels, padding=4)
        axes.set_xlim(right=max(payload["values"] + [1]) * 1.25)
        axes.grid(axis="x", color="#dddddd")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure


def render_png(spec: ChartSpec, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    _draw(spec).savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
# Matplotlib notes each drawn text in an XML comment: drop them, the glyphs are enough.
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SVG_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')


def render_svg(spec: ChartSpec) -> str:
    """The SVG markup of a chart, made responsive and named for assistive technologies."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": spec.key}):
        _draw(spec).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _SVG_COMMENT.sub("", _SVG_START.sub("", buffer.getvalue(), count=1))
    svg = _SVG_SIZE.sub(r"<svg\1", svg, count=1)
    # Ids must be unique on the page: prefix matplotlib's with the chart's key.
    svg = svg.replace('id="', f'id="{spec.key}-').replace("url(#", f"url(#{spec.key}-")
    svg = svg.replace('xlink:href="#', f'xlink:href="#{spec.key}-')
    return svg.replace("<svg", f'<svg role="img" aria-label="{escape(spec.alt)}"', 1)


def inline_svg(spec: ChartSpec) -> SafeString:
    key = f"reports:chart:{spec.digest()}"
    svg = cache.get(key)
    if svg is None:
        svg = render_svg(spec)
        cache.set(key, svg, CACHE_SECONDS)
    # Safe: matplotlib wrote this SVG from numbers, with every label drawn as glyph outlines
    # (svg.fonttype="path"), so it contains no text from the database; the only text we add,
    # the alt text, is escaped above.
    return mark_safe(svg)  # noqa: S308
