"""What the hostile-input suite throws at the site, and where it finds the forms to throw it.

Forms and query parameters are discovered, not listed: every page of the authorisation
matrix is fetched as a role that may use it, and its `<form>`s and links are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.security.html import Form, parse_forms, query_parameters
from tests.security.matrix_data import all_entries
from tests.security.world import MAYOR, OTHER, RESIDENT, SUPERUSER, TEAM, UNVERIFIED, VISITOR

# --- the corpus ----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
MD_JS = "[cliquez](javascript:alert(1)) [ici](JaVaScRiPt:alert(1))"
MD_DATA = "[voir](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
HTML_LINK = '<a href="javascript:alert(1)">lien</a> <a href=" javascript:alert(2)">b</a>'
PLAIN_JS = "javascript:alert(document.cookie)"
SQL = "' OR 1=1 --"
SQL_DROP = '"; DROP TABLE citizens_user; --'
CONTROL = "avant\x00après\x07\x1b[31m\x08"
RTL = "facture\u202egpj.exe"
EMOJI = "Un banc 🌳🪑 pour tous 👩🏽‍🦽 ✊🏿"
ATTRIBUTE = "' onmouseover='alert(1)' x='"
TEMPLATE = "{{ request.user.password }} {% debug %} ${7*7}"

# Every text field gets each of these (one request each, the payload in every text field of
# the form at once, the other fields valid).
TEXT_PAYLOADS = {
    "script": SCRIPT,
    "img-onerror": IMG,
    "svg-onload": SVG,
    "markdown-links": f"{MD_JS} {MD_DATA}",
    "html-links": f"{HTML_LINK} {PLAIN_JS}",
    "sql": f"{SQL} {SQL_DROP}",
    "nul-and-control": CONTROL,
    "rtl-override": RTL,
    "emoji": EMOJI,
    "breakout": f"{ATTRIBUTE} {TEMPLATE}",
}
# A slimmer set for the back office's many forms: the same families, fewer requests.
ADMIN_TEXT_PAYLOADS = {
    "script-and-handler": f"{IMG}{SCRIPT}",
    "markdown-links": f"{MD_JS} {MD_DATA}",
    "nul-and-control": f"{CONTROL}{RTL}",
}
# What is kept and then looked for on every page that displays it.
STORED = f"{IMG}{SCRIPT}{SVG} {MD_JS} {MD_DATA} {HTML_LINK}"
STORED_SHORT = f"{IMG}{SVG}[x](javascript:alert(1))"
# Wrong types for numbers, dates, choices, ids.
WRONG_VALUES = ["abc", "-1", "9" * 30, "1' OR '1'='1\x00"]
ADMIN_WRONG_VALUES = ["abc", "9" * 30]
ONE_MEGABYTE = "A" * (1024 * 1024)
# Query parameters: every name seen in links and GET forms gets these values.
QUERY_VALUES = [f"{IMG}{SCRIPT}", f"{SQL}{SQL_DROP}", "\x00", "-1", "9" * 30, RTL]
ADMIN_QUERY_VALUES = [f"{IMG}{SCRIPT}{SQL}", "\x00", "9" * 30]


# --- discovery -----------------------------------------------------------------------------

# Who uses a page, in order of preference: the owner resident first (their space, their
# items), then the staff (the back office), then anyone.
PREFERENCE = [RESIDENT, OTHER, TEAM, MAYOR, SUPERUSER, UNVERIFIED, VISITOR]
# Forms that end the session or the account, or add a second factor: submitted (they must
# not fail on hostile input), never kept.
NOT_KEPT = ("/logout/", "/compte/supprimer/", "/2fa/", "/password/", "/compte/email/")


@dataclass
class FoundForm:
    page: str
    role: str
    form: Form

    @property
    def action_path(self) -> str:
        return urlsplit(self.form.action).path

    @property
    def key(self) -> str:
        """One test per kind of form: the same form on another item (a reply to another
        comment) adds requests, not coverage."""
        names = ",".join(sorted(n for n in self.form.field_names() if n != "csrfmiddlewaretoken"))
        names = re.sub(r"-\d+-", "-N-", names)
        path = re.sub(r"/\d+/", "/N/", self.action_path)
        return f"{self.form.method.upper()} {path} [{names}]"

    @property
    def kept(self) -> bool:
        return not any(part in self.action_path for part in NOT_KEPT)


@dataclass
class Discovery:
    forms: dict[str, FoundForm] = field(default_factory=dict)
    # page path -> (role, {parameter: values seen})
    parameters: dict[str, tuple[str, dict[str, set[str]]]] = field(default_factory=dict)


def _pages_and_roles(world) -> list[tuple[str, str]]:
    """Every GET page of the matrix that answers 200 to some role, with that role."""
    pages = []
    for _key, cases in sorted(all_entries().items()):
        for case in cases:
            if not case.get:
                continue
            path = case.build_path(world)
            role = next((r for r in PREFERENCE if case.get.get(r) == 200), None)
            if role is not None:
                pages.append((path, role))
    return pages


SKIP_PAGES = ("/mes-donnees.", "/healthz", "/admin/jsi18n/", "/admin/autocomplete/")


def discover(world) -> Discovery:
    found = Discovery()
    for path, role in _pages_and_roles(world):
        if any(part in path for part in SKIP_PAGES):
            continue
        response = world.client(role).get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        url = f"http://testserver{path}"
        for form in parse_forms(html, url):
            item = FoundForm(page=path, role=role, form=form)
            found.forms.setdefault(item.key, item)
        params = query_parameters(html, url)
        for form in parse_forms(html, url):
            if form.method == "get" and urlsplit(form.action).path == urlsplit(url).path:
                for f in form.fields:
                    if f.name:
                        params.setdefault(f.name, set()).add(f.value)
        page_path = urlsplit(url).path
        if params and page_path not in found.parameters:
            found.parameters[page_path] = (role, params)
    return found
