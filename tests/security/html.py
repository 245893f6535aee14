"""Reading pages as a browser would, with the standard library's html.parser: the forms a
page offers (to submit them) and anything active in it (to refuse it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

# Scripts the site itself ships: external files from /static/, and JSON data islands
# (`json_script`, whose content Django escapes).
# (The admin's own translation catalogue, /admin/jsi18n/, is a same-origin script too.)
OWN_SCRIPT_PREFIXES = ("/static/", "/admin/jsi18n/")
INERT_SCRIPT_TYPES = {"application/json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:application")


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, password, email, number...
    value: str = ""
    options: list[str] = field(default_factory=list)  # select/radio/checkbox values
    checked: bool = False
    multiple: bool = False
    required: bool = False
    disabled: bool = False
    css: str = ""


@dataclass
class Form:
    method: str
    action: str  # absolute path (resolved against the page)
    fields: list[Field] = field(default_factory=list)
    form_id: str = ""
    submit_names: list[tuple[str, str]] = field(default_factory=list)

    def field_names(self) -> list[str]:
        seen = []
        for f in self.fields:
            if f.name not in seen:
                seen.append(f.name)
        return seen

    def by_name(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.name == name]

    def default_data(self) -> list[tuple[str, str]]:
        """What a browser submits when nobody touches the form (first submit button aside):
        checked boxes and radios, selected options, every other field's value."""
        data: list[tuple[str, str]] = []
        for f in self.fields:
            if f.disabled or not f.name:
                continue
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data.append((f.name, f.value or "on"))
            elif f.kind == "select":
                if f.multiple:
                    data.extend((f.name, v) for v in f.options if v in f.value.split("\x1f"))
                else:
                    data.append((f.name, f.value if f.value else (f.options or [""])[0]))
            elif f.kind in ("submit", "button", "image", "reset", "file"):
                continue
            else:
                data.append((f.name, f.value))
        return data

    @property
    def text_fields(self) -> list[str]:
        kinds = {"text", "textarea", "search", "email", "url", "tel", "password", ""}
        names = []
        for f in self.fields:
            if f.kind in kinds and f.name and not f.disabled and f.name not in names:
                names.append(f.name)
        return [n for n in names if n not in ("csrfmiddlewaretoken",)]


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.orphans: list[tuple[str, Field]] = []  # fields with form="id" outside their form
        self.select: Field | None = None
        self.option_value: str | None = None
        self.option_selected = False
        self.option_text = ""
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self.current = Form(
                method=(a.get("method") or "get").lower(),
                action=urljoin(self.page_url, action),
                form_id=a.get("id", ""),
            )
            self.forms.append(self.current)
            return
        if tag in ("input", "button", "select", "textarea"):
            target = self.current
            owner = a.get("form")
            name = a.get("name", "")
            kind = a.get("type", "text" if tag == "input" else tag).lower()
            if tag == "button":
                kind = a.get("type", "submit").lower()
                if kind == "submit" and name and target is not None:
                    target.submit_names.append((name, a.get("value", "")))
                return
            f = Field(
                name=name,
                kind=kind if tag == "input" else tag,
                value=a.get("value", "") if tag == "input" else "",
                checked="checked" in a,
                multiple="multiple" in a,
                required="required" in a,
                disabled="disabled" in a,
                css=a.get("class", ""),
            )
            if tag == "input" and kind == "submit":
                if name and target is not None:
                    target.submit_names.append((name, a.get("value", "")))
                return
            if tag == "input" and kind in ("radio", "checkbox"):
                f.options = [f.value or "on"]
            if owner:
                self.orphans.append((owner, f))
            elif target is not None:
                target.fields.append(f)
            if tag == "select":
                self.select = f
            if tag == "textarea":
                self.textarea = f
            return
        if tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.option_selected = "selected" in a
            self.option_text = ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option_value is None and self.select is not None:
            self.option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            if self.textarea is not None and self.textarea.value.startswith("\n"):
                self.textarea.value = self.textarea.value[1:]
            self.textarea = None
        elif tag == "option" and self.select is not None:
            value = self.option_value if self.option_value is not None else self.option_text
            self.select.options.append(value.strip() if self.option_value is None else value)
            if self.option_selected:
                if self.select.multiple and self.select.value:
                    self.select.value += "\x1f" + value
                else:
                    self.select.value = value
            self.option_value = None
        elif tag == "select":
            self.select = None

    def close(self):
        super().close()
        by_id = {f.form_id: f for f in self.forms if f.form_id}
        for owner, f in self.orphans:
            if owner in by_id:
                by_id[owner].fields.append(f)


def parse_forms(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v:
                    self.hrefs.append(v)


def query_parameters(html: str, page_url: str) -> dict[str, set[str]]:
    """Every query parameter name seen in this site's links on the page, with its values."""
    parser = _LinkParser()
    parser.feed(html)
    found: dict[str, set[str]] = {}
    page_path = urlsplit(page_url).path
    for href in parser.hrefs:
        url = urlsplit(urljoin(page_url, href))
        if url.netloc and url.netloc not in ("testserver",):
            continue
        if url.path != page_path:
            continue
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            found.setdefault(key, set()).add(value)
    return found


class _ActiveParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: event handler attribute")
            if name.lower() in URL_ATTRIBUTES and value:
                squeezed = "".join(value.split()).lower()
                if squeezed.startswith(ACTIVE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>: active URL")
            if name.lower() == "style" and value and "expression(" in value.lower():
                self.problems.append(f"<{tag} style={value[:60]!r}>: CSS expression")
        if tag == "script":
            src = a.get("src") or ""
            kind = (a.get("type") or "").lower()
            if src:
                if not urlsplit(src).path.startswith(OWN_SCRIPT_PREFIXES) or urlsplit(src).netloc:
                    self.problems.append(f"<script src={src!r}>: not one of our static files")
            elif kind not in INERT_SCRIPT_TYPES:
                self.problems.append("<script> inline")
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset", "applet"):
            self.problems.append(f"<{tag}>: not used by the site")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag in ("svg", "math") and any(k.startswith("on") for k in a):
            self.problems.append(f"<{tag}> with handlers")


def active_html(html: str) -> list[str]:
    """What would run in a browser that the site did not put there itself."""
    parser = _ActiveParser()
    parser.feed(html)
    parser.close()
    return parser.problems
