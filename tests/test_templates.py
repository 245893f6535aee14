"""Template hygiene that the template engine does not check by itself."""

from pathlib import Path


def test_single_line_comments_are_closed_on_their_line():
    # Django's {# #} comments cannot span lines: an unclosed one is shown to residents.
    offenders = [
        f"{path}:{number}"
        for path in Path("templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert offenders == []
