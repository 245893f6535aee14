"""Query strings no page could use are answered 400 before any view runs.

PostgreSQL refuses NUL characters in text, and Django's admin turns a date-hierarchy year
beyond Python's dates (`?created_at__year=99999999999`) into an OverflowError: both would be
500s. No link of the site carries either, so the whole site answers them with a 400 page.
"""

from django.shortcuts import render

DATE_PARTS = ("__year", "__month", "__day")


def _hostile(key: str, value: str) -> bool:
    if "\x00" in key or "\x00" in value:
        return True
    if key.endswith(DATE_PARTS) and value:
        return not (value.isdigit() and len(value) <= 4)
    return False


class HostileQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(_hostile(key, v) for key, values in request.GET.lists() for v in values):
            return render(request, "bad_request.html", status=400)
        return self.get_response(request)
