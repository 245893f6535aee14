"""The dependency rule between our apps, checked in code and in templates.

`pagecache` is infrastructure that knows no app (every app, citizens included, declares its
cached pages with it); `citizens` is the bottom of the product apps (generic); `moderation`
sits just above it and uses citizens only; `projects` is above them, `consultations` above projects;
`reports` reads everything and nobody reads it; `devtools` (benchmark tools) reads everything
and nobody reads it either. An app may use its own names and those of apps below it:

- Python: `import` lines, `apps.get_model("app", ...)`, and
  `Model._meta.get_field("x").related_model` reaching a model of an app above;
- templates under `templates/<app>/`: URL names (`{% url 'ns:name' %}`), permissions
  (`perms.app.x`, `{% has_perm "app.x" %}`, `{% test_rule "app.x" %}`), template paths
  (`{% include %}`, `{% extends %}`) and template tag libraries (`{% load %}`);
- an app's admin.py may not unregister another app's model admin.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]

RANK = {
    "pagecache": -1,  # knows no app of ours: citizens and the apps above declare their pages in it
    "citizens": 0,
    "moderation": 1,
    "projects": 2,
    "consultations": 3,
    "reports": 4,
    "devtools": 5,
}
APPS = [app for app in RANK if (ROOT / app).is_dir()]

# Breaks of the rule tolerated until fixed (file, name): none today; keep it that way.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def may_use(user: str, used: str) -> bool:
    """Whether app `user` may use names of app `used` (other packages are not ours)."""
    if used not in RANK or used == user:
        return True
    if used in {"reports", "devtools"}:
        return user == "devtools"
    return RANK[used] < RANK[user]


def python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def model_named(name: str, prefer: str):
    """The model class called `name`, looked for in app `prefer` first."""
    candidates = [model for model in apps.get_models() if model.__name__ == name]
    candidates.sort(key=lambda model: model._meta.app_label != prefer)
    return candidates[0] if candidates else None


def imported_names(tree: ast.AST) -> dict[str, str]:
    """Local name -> app of the module it was imported from (`from projects.models import X`)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module.split(".")[0]
    return names


def python_uses(app: str, path: Path) -> list[tuple[int, str, str]]:
    """(line, offending name, app it belongs to) for everything `path` takes from an app."""
    tree = ast.parse(path.read_text())
    found = []
    origins = imported_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, node.module.split(".")[0]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, alias.name.split(".")[0]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "get_model" and args and isinstance(args[0], str):
                label = args[0].split(".")[0]
                found.append((node.lineno, f"get_model {'.'.join(map(str, args))}", label))
            if node.func.attr == "unregister" and path.name == "admin.py":
                for arg in node.args:
                    if isinstance(arg, ast.Name):
                        model = model_named(arg.id, prefer=origins.get(arg.id, app))
                        label = model._meta.app_label if model else origins.get(arg.id, app)
                        if label != app and label in RANK:
                            # Any other app's admin, below or above: its own admin.py owns it.
                            found.append((node.lineno, f"unregister {label}.{arg.id}", "*"))
        elif isinstance(node, ast.Attribute) and node.attr == "related_model":
            call = node.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "get_field"
                and isinstance(call.func.value, ast.Attribute)
                and call.func.value.attr == "_meta"
                and isinstance(call.func.value.value, ast.Name)
                and call.args
                and isinstance(call.args[0], ast.Constant)
            ):
                model = model_named(call.func.value.value.id, prefer=app)
                if model is not None:
                    related = model._meta.get_field(call.args[0].value).related_model
                    label = related._meta.app_label
                    found.append((node.lineno, f"related_model {label}.{related.__name__}", label))
    return found


TEMPLATE_PATTERNS = [
    # (regex, how to name what was found, which app it belongs to)
    (re.compile(r"{%\s*url\s+['\"](\w+):([\w-]+)['\"]"), lambda m: f"{m[1]}:{m[2]}", 1),
    (re.compile(r"\bperms\.(\w+)\.(\w+)"), lambda m: f"perms.{m[1]}.{m[2]}", 1),
    (
        re.compile(r"{%\s*(?:has_perm|test_rule)\s+['\"](\w+)\.([\w-]+)['\"]"),
        lambda m: f"{m[1]}.{m[2]}",
        1,
    ),
    (
        re.compile(r"{%\s*(?:include|extends)\s+['\"](\w+)/([^'\"]+)['\"]"),
        lambda m: f"{m[1]}/{m[2]}",
        1,
    ),
]


def tag_libraries() -> dict[str, str]:
    """Template tag library name -> the app defining it."""
    return {
        path.stem: app
        for app in APPS
        for path in (ROOT / app / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }


def template_uses(path: Path) -> list[tuple[int, str, str]]:
    found = []
    libraries = tag_libraries()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for pattern, name, group in TEMPLATE_PATTERNS:
            for match in pattern.finditer(line):
                found.append((number, name(match), match[group]))
        for match in re.finditer(r"{%\s*load\s+([\w\s]+?)\s*%}", line):
            for library in match[1].split():
                if library in libraries:
                    found.append((number, f"load {library}", libraries[library]))
    return found


def violations(app: str) -> list[str]:
    problems = []
    sources = [(path, python_uses(app, path)) for path in python_files(app)]
    templates = ROOT / "templates" / app
    if templates.is_dir():
        sources += [(path, template_uses(path)) for path in sorted(templates.rglob("*.html"))]
        sources += [(path, template_uses(path)) for path in sorted(templates.rglob("*.txt"))]
    for path, uses in sources:
        for line, name, used in uses:
            if (used == "*" or not may_use(app, used)) and (
                relative(path),
                name,
            ) not in KNOWN_VIOLATIONS:
                problems.append(f"{relative(path)}:{line}: {name} ({app} may not use {used})")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_apps_only_depend_downwards(app):
    assert violations(app) == []


def test_known_violations_are_still_there():
    """Once one is fixed, take it out of KNOWN_VIOLATIONS, so that it cannot come back."""
    seen = set()
    for app in APPS:
        for path in python_files(app):
            seen |= {(relative(path), name) for _line, name, _used in python_uses(app, path)}
        for path in (ROOT / "templates" / app).rglob("*.*"):
            seen |= {(relative(path), name) for _line, name, _used in template_uses(path)}
    assert KNOWN_VIOLATIONS - seen == set()


@pytest.mark.parametrize(
    ("user", "used", "allowed"),
    [
        ("projects", "citizens", True),
        ("projects", "moderation", True),
        ("moderation", "citizens", True),
        ("moderation", "pagecache", True),
        ("citizens", "pagecache", True),
        ("pagecache", "citizens", False),
        ("moderation", "projects", False),
        ("citizens", "projects", False),
        ("projects", "consultations", False),
        ("consultations", "reports", False),
        ("reports", "consultations", True),
        ("devtools", "reports", True),
        ("reports", "devtools", False),
        ("projects", "django", True),
    ],
)
def test_the_rule(user, used, allowed):
    assert may_use(user, used) is allowed


def test_a_violation_names_the_file_and_the_offending_name(tmp_path, monkeypatch):
    template = ROOT / "templates" / "projects"
    assert template.is_dir()
    fake = tmp_path / "_fake.html"
    fake.write_text("{% url 'consultations:round' pk=1 %}\n{% include \"reports/_x.html\" %}\n")
    uses = template_uses(fake)
    assert [(line, name) for line, name, used in uses if not may_use("projects", used)] == [
        (1, "consultations:round"),
        (2, "reports/_x.html"),
    ]


def test_python_uses_name_imports_and_get_model(tmp_path):
    fake = tmp_path / "fake.py"
    fake.write_text(
        "from consultations.models import Vote\n"
        "def f(apps):\n"
        "    import reports.selectors\n"
        "    return apps.get_model('consultations', 'Option')\n"
    )
    assert [(line, name) for line, name, used in python_uses("projects", fake)] == [
        (1, "consultations.models"),
        (3, "reports.selectors"),
        (4, "get_model consultations.Option"),
    ]
