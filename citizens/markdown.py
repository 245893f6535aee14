"""Markdown written by residents and staff, rendered through an allow-list."""

from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "a",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    return _render(text or "")


# The same text always gives the same HTML: each worker keeps the last few hundred (a round's
# context, a synthesis) instead of parsing and cleaning them at every request.
@lru_cache(maxsize=512)
def _render(text: str) -> SafeString:
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener ugc",
    )
    # Safe: nh3 removed every tag, attribute and URL scheme outside the allow-list above.
    return mark_safe(clean)  # noqa: S308
