"""Contrast (#17 item 7, WCAG 2.1 1.4.3 and 1.4.11), read from the stylesheets themselves: the
console's static/console.css and every plugin's stylesheet under plugins/*/wuye_*/.

Every text colour a stylesheet sets (`color:`) is held against every background it could sit on,
stricter than the pages need and so true of any page tomorrow: a dark text colour against every
light background any stylesheet sets (and white, the cards' and tables'), a light one (white on the
red top bar and the primary buttons) against every dark background. Text needs 4.5:1; the focus
ring, not text, needs 3:1 against every background it can be drawn on (1.4.11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_CSS = ROOT / "wuye_core" / "console" / "static" / "console.css"
STYLESHEETS = [CONSOLE_CSS, *sorted(ROOT.glob("plugins/*/wuye_*/**/*.css"))]

TEXT, NON_TEXT = 4.5, 3.0
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_NAMED = {"white": "#ffffff", "black": "#000000"}


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1) of a #rgb or #rrggbb colour."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def ratio(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) of every rule, @media blocks included (innermost braces)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for match in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
        declarations = {}
        for part in match.group(2).split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip().lower()] = value.strip()
        out.append((match.group(1).strip(), declarations))
    return out


def variables(css_rules) -> dict[str, str]:
    return {name: value for selector, decls in css_rules if selector == ":root"
            for name, value in decls.items() if name.startswith("--")}


def colour(value: str, var: dict[str, str]) -> str | None:
    """The one plain colour a value names (through var(--x)); None for none, rgba, inherit …"""
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: var.get(m.group(1), m.group(0)), value).strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    found = _HEX.findall(value)
    return found[0].lower() if len(found) == 1 and "rgba" not in value and "gradient" not in value else None


def palette():
    """(text colours, backgrounds, focus colours), each {colour: [where]} over every stylesheet."""
    var = variables(rules(CONSOLE_CSS.read_text(encoding="utf-8")))
    texts: dict[str, list] = {}
    backgrounds: dict[str, list] = {"#ffffff": ["cards, tables, inputs"]}
    focus: dict[str, list] = {}
    for sheet in STYLESHEETS:
        sheet_rules = rules(sheet.read_text(encoding="utf-8"))
        var = {**var, **variables(sheet_rules)}
        for selector, decls in sheet_rules:
            where = f"{sheet.name}: {selector}"
            if (c := colour(decls.get("color", ""), var)) is not None:
                texts.setdefault(c, []).append(where)
            for name in ("background", "background-color"):
                if (c := colour(decls.get(name, ""), var)) is not None:
                    backgrounds.setdefault(c, []).append(where)
            if "focus" in selector:
                for name in ("outline", "outline-color", "box-shadow"):
                    if (c := colour(decls.get(name, ""), var)) is not None:
                        focus.setdefault(c, []).append(where)
    return texts, backgrounds, focus


def _light(c: str) -> bool:
    return luminance(c) > 0.4


def test_the_stylesheets_braces_are_balanced():
    """An unclosed block swallows what follows it (a merge once left `@media print {` open: the
    tickets' styles then applied to print only)."""
    for sheet in STYLESHEETS:
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        depth = 0
        for line_no, line in enumerate(css.splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}:{line_no}: a '}}' closes nothing"
        assert depth == 0, f"{sheet.name}: {depth} block(s) left open"


def test_the_checks_know_wcag_ratios():
    assert ratio("#000", "#fff") == pytest.approx(21.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey
    assert colour("var(--red)", {"--red": "#b8282e"}) == "#b8282e"
    assert colour("1px solid #FFF", {}) == "#fff" and colour("rgba(0, 0, 0, .35)", {}) is None
    assert colour("none", {}) is None and colour("white", {}) == "#ffffff"


def test_every_text_colour_reads_on_every_background_of_the_other_kind():
    texts, backgrounds, _ = palette()
    light_bgs = {c: w for c, w in backgrounds.items() if _light(c)}
    dark_bgs = {c: w for c, w in backgrounds.items() if not _light(c)}
    # what the brief names must be among them: ink/muted/bad/ok/warn/link, white on the red bar
    var = variables(rules(CONSOLE_CSS.read_text(encoding="utf-8")))
    for name in ("--ink", "--muted", "--bad", "--ok", "--warn", "--red"):
        assert var[name].lower() in texts, name
    assert "#0550ae" in texts and "#fff" in texts and var["--red"] in dark_bgs
    assert {"#f6f8fa", "#fff1f0", "#fff8c5", "#dafbe1", "#fdf2f2"} <= set(light_bgs)
    failures = []
    for text, where in texts.items():
        against = dark_bgs if _light(text) else light_bgs
        assert against, f"{text} ({where[0]}): no background to read it on"
        for bg, bg_where in against.items():
            if ratio(text, bg) < TEXT:
                failures.append(f"{text} on {bg}: {ratio(text, bg):.2f}:1 < {TEXT}:1 "
                                f"(text: {where[0]}; background: {bg_where[0]})")
    assert not failures, "\n".join(failures)


def test_the_focus_ring_shows_on_every_background():
    """The default ring (blue) on the light backgrounds; on the red top bar it is white."""
    texts, backgrounds, focus = palette()
    css = CONSOLE_CSS.read_text(encoding="utf-8")
    var = variables(rules(css))
    ring = var["--focus"].lower()
    assert ring in focus
    failures = [f"focus {ring} on {bg}: {ratio(ring, bg):.2f}:1 ({where[0]})"
                for bg, where in backgrounds.items() if _light(bg) and ratio(ring, bg) < NON_TEXT]
    on_bar = [c for c, where in focus.items() if any(".topbar" in w for w in where)]
    assert on_bar, "the top bar keeps the blue ring on red: give .topbar :focus-visible its own colour"
    failures += [f"focus {c} on the top bar {var['--red']}: {ratio(c, var['--red']):.2f}:1"
                 for c in on_bar if ratio(c, var["--red"]) < NON_TEXT]
    assert not failures, "\n".join(failures)
