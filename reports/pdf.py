"""The whole report as a PDF, in French, with its charts (reportlab + matplotlib PNGs)."""

from __future__ import annotations

import io
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from citizens.markdown import render_markdown

from . import indicators as ind
from .charts import chart_specs, render_png
from .selectors import Report

FONT = "DejaVuSans"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    f"{FONT}-Bold": "DejaVuSans-Bold.ttf",
    f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf",
    f"{FONT}-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 2 * cm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
GREEN = colors.HexColor("#1e6b3a")


def _register_fonts() -> None:
    """DejaVu, shipped with matplotlib: every accent and script residents may write."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Oblique",
        boldItalic=f"{FONT}-BoldOblique",
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=10, leading=14)
    return {
        "title": ParagraphStyle(
            "title",
            parent=base["Title"],
            fontName=f"{FONT}-Bold",
            fontSize=17,
            leading=22,
            alignment=TA_LEFT,
            textColor=GREEN,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName=f"{FONT}-Bold",
            fontSize=15,
            leading=19,
            textColor=GREEN,
            spaceBefore=14,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base["Heading3"],
            fontName=f"{FONT}-Bold",
            fontSize=11.5,
            leading=15,
            spaceBefore=10,
        ),
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5),
        "cell_head": ParagraphStyle(
            "cell_head", parent=body, fontName=f"{FONT}-Bold", fontSize=9, leading=11.5
        ),
        "quote": ParagraphStyle(
            "quote", parent=body, leftIndent=14, fontSize=9.5, textColor=colors.HexColor("#333333")
        ),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4),
    }


def _text(value) -> str:
    """Text from the database or a translation, safe inside reportlab's paragraph markup."""
    return escape(str(value))


class _MarkdownFlowables(HTMLParser):
    """Sanitised HTML from `render_markdown` turned into reportlab paragraphs."""

    INLINE = {"strong": "b", "em": "i", "code": "font"}

    def __init__(self, styles):
        super().__init__(convert_charrefs=True)
        self.styles = styles
        self.flowables: list = []
        self.buffer: list[str] = []
        self.style = styles["body"]
        self.bullet: str | None = None
        self.list_stack: list[list] = []  # [kind, counter]

    def _flush(self):
        text = "".join(self.buffer).strip()
        if text:
            kwargs = {"bulletText": self.bullet} if self.bullet else {}
            self.flowables.append(Paragraph(text, self.style, **kwargs))
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h2", "h3", "h4", "blockquote", "pre"):
            self._flush()
            self.style = {
                "h2": self.styles["h3"],
                "h3": self.styles["h3"],
                "h4": self.styles["h3"],
                "blockquote": self.styles["quote"],
            }.get(tag, self.style if self.bullet else self.styles["body"])
        elif tag in ("ul", "ol"):
            self._flush()
            self.list_stack.append([tag, 0])
        elif tag == "li":
            self._flush()
            kind = self.list_stack[-1] if self.list_stack else ["ul", 0]
            kind[1] += 1
            self.bullet = "•" if kind[0] == "ul" else f"{kind[1]}."
            self.style = self.styles["bullet"]
        elif tag == "br":
            self.buffer.append("<br/>")
        elif tag == "code":
            self.buffer.append('<font face="Courier">')
        elif tag in ("strong", "em"):
            self.buffer.append(f"<{self.INLINE[tag]}>")
        elif tag == "a":
            self.buffer.append("<u>")

    def handle_endtag(self, tag):
        if tag in ("p", "h2", "h3", "h4", "blockquote", "pre"):
            self._flush()
            self.style = self.styles["bullet"] if self.bullet else self.styles["body"]
        elif tag == "li":
            self._flush()
            self.bullet = None
            self.style = self.styles["body"]
        elif tag in ("ul", "ol"):
            self._flush()
            if self.list_stack:
                self.list_stack.pop()
        elif tag == "code":
            self.buffer.append("</font>")
        elif tag in ("strong", "em"):
            self.buffer.append(f"</{self.INLINE[tag]}>")
        elif tag == "a":
            self.buffer.append("</u>")

    def handle_data(self, data):
        self.buffer.append(escape(data))

    def close(self):
        super().close()
        self._flush()


def markdown_flowables(text: str, styles) -> list:
    parser = _MarkdownFlowables(styles)
    parser.feed(str(render_markdown(text)))
    parser.close()
    return parser.flowables


def _table(columns: list[str], rows: list[list[str]], styles, widths=None) -> Table:
    data = [[Paragraph(_text(c), styles["cell_head"]) for c in columns]]
    data += [
        [
            Paragraph(_text(cell), styles["cell_head"] if i == 0 else styles["cell"])
            for i, cell in enumerate(row)
        ]
        for row in rows
    ]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8efe9")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b5bdb7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _figures_table(cards: list[dict], styles) -> Table:
    rows = [[card["label"], card["value"], card["detail"]] for card in cards]
    return _table(
        [_("Indicateur"), _("Valeur"), _("Précision")],
        rows,
        styles,
        widths=[CONTENT_WIDTH * 0.45, CONTENT_WIDTH * 0.2, CONTENT_WIDTH * 0.35],
    )


def _chart(spec, styles) -> list:
    png = render_png(spec)
    width, height = ImageReader(io.BytesIO(png)).getSize()
    image = Image(io.BytesIO(png), width=CONTENT_WIDTH, height=CONTENT_WIDTH * height / width)
    return [
        Paragraph(_text(spec.title), styles["h3"]),
        image,
        Paragraph(_text(spec.alt), styles["small"]),
    ]


def _data_table(table: ind.Table, styles) -> list:
    if not table.rows:
        return [
            Paragraph(_text(table.caption), styles["h3"]),
            Paragraph(_text(_("Aucune donnée sur cette période.")), styles["body"]),
        ]
    return [
        Paragraph(_text(table.caption), styles["h3"]),
        _table(table.columns, table.rows, styles),
    ]


def freshness(report: Report) -> str:
    if not report.from_snapshot:
        return _("Chiffres calculés à l'instant.")
    local = timezone.localtime(report.computed_at)
    return _("Chiffres calculés le %(date)s à %(time)s.") % {
        "date": date_format(local, "j F Y"),
        "time": date_format(local, "H\\ \\h\\ i"),
    }


def report_title() -> str:
    return _("Rapport de participation — %(town)s") % {"town": settings.TOWN_NAME}


def build_report_pdf(
    *, report: Report, story: dict, progress: Callable[[int], None] | None = None
) -> bytes:
    """The PDF's bytes. `progress` receives 0–100 as the charts are drawn."""
    _register_fonts()
    progress = progress or (lambda _percent: None)
    styles = _styles()
    data = report.data
    figures = ind.key_figures(data)
    tables = ind.tables(data)
    specs = chart_specs(data)
    title = report_title()

    elements: list = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(_text(data["scope"]["label"]), styles["h3"]),
        Paragraph(
            _text(
                _("Du %(start)s au %(end)s.")
                % {
                    "start": ind.fmt_date(data["period"]["start"]),
                    "end": ind.fmt_date(data["period"]["end"]),
                }
            ),
            styles["body"],
        ),
        Paragraph(_text(freshness(report)), styles["small"]),
        Spacer(1, 8),
    ]
    section_extras = {
        ind.MEANS: [("table", "moderation")],
        ind.REACH: [("chart", "neighbourhoods"), ("table", "neighbourhoods")],
        ind.PARTICIPATION: [("chart", "participation"), ("table", "participation")],
        ind.RESULTS: [("chart", "outcomes"), ("table", "outcomes"), ("table", "statuses")],
    }
    charts_total = max(1, sum(1 for spec in specs.values() if spec is not None))
    charts_done = 0
    for section, extras in section_extras.items():
        elements.append(Paragraph(_text(ind.SECTION_TITLES[section]), styles["h2"]))
        elements.append(Paragraph(_text(ind.SECTION_INTROS[section]), styles["body"]))
        elements.append(Spacer(1, 4))
        elements.append(_figures_table(figures[section], styles))
        for kind, key in extras:
            if kind == "chart":
                if specs[key] is not None:
                    elements.append(KeepTogether(_chart(specs[key], styles)))
                    charts_done += 1
                    progress(80 * charts_done // charts_total)
            else:
                elements.append(KeepTogether(_data_table(tables[key], styles)))

    elements.append(Paragraph(_text(_("Ce qui a changé grâce aux habitants")), styles["h2"]))
    if not story["entries"]:
        elements.append(
            Paragraph(_text(_("Aucune synthèse ni actualité sur cette période.")), styles["body"])
        )
    elif story["total"] > story["shown"]:
        elements.append(
            Paragraph(
                _text(
                    _("Les %(shown)s plus récentes sur %(total)s.")
                    % {"shown": story["shown"], "total": story["total"]}
                ),
                styles["small"],
            )
        )
    for entry in story["entries"]:
        kind = _("Synthèse") if entry["kind"] == "synthesis" else _("Actualité")
        when = date_format(timezone.localtime(entry["date"]), "j F Y")
        block = [
            Paragraph(_text(f"{when} · {kind} · {entry['title']}"), styles["h3"]),
            Paragraph(_text(_("Projet : %(p)s") % {"p": entry["project"]}), styles["small"]),
        ]
        if entry["kind"] == "synthesis":
            outcomes = entry["outcomes"]
            block.append(
                Paragraph(
                    _text(
                        _(
                            "%(n)s contributions publiées : %(yes)s prises en compte, "
                            "%(partly)s en partie, %(no)s non retenues."
                        )
                        % {
                            "n": entry["published_contributions"],
                            "yes": outcomes["yes"],
                            "partly": outcomes["partly"],
                            "no": outcomes["no"],
                        }
                    ),
                    styles["small"],
                )
            )
        elements.append(KeepTogether(block))
        elements.extend(markdown_flowables(entry["body"], styles))
        for citation in entry["citations"]:
            author = citation["author"] or _("ancien participant")
            elements.append(
                Paragraph(
                    f"« {_text(citation['body'])} » — <i>{_text(author)}</i>", styles["quote"]
                )
            )

    elements.append(Paragraph(_text(_("Définitions des indicateurs")), styles["h2"]))
    for item in ind.glossary():
        elements.append(
            Paragraph(
                f"<b>{_text(item['label'])}</b> : {_text(item['definition'])}", styles["body"]
            )
        )

    footer = f"{title} · {data['scope']['label']}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 1.2 * cm, footer[:110])
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 1.2 * cm, _("page %(n)s") % {"n": doc.page})
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=settings.TOWN_NAME,
        subject=data["scope"]["label"],
        creator=settings.TOWN_NAME,
        lang="fr",
    )
    document.build(elements, onFirstPage=on_page, onLaterPages=on_page)
    progress(100)
    return buffer.getvalue()
