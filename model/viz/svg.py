"""The workshop app's live panels, drawn as small SVG strings (no matplotlib on the hot path: a
month's redraw costs a few milliseconds in Python and scales cleanly on a projector).

- ``triangle_svg``: one field's strategic triangle (corner size = strength of authority,
  capacity, value; arrow width = flow A->C, C->V, V->A; weak flows dotted, 004:95-99; the phase).
- ``value_curve_svg``: performance of one field month by month, on bands of its phase, with the
  trigger point and shocks marked (the report's Figure 4, 004:230-263, for one run).
- ``timeline_svg``: every field's phase month by month, reversals and shocks marked.
- ``network_svg``: the layered local innovation system (004:285-368, Figure 5), with a layout
  computed once per run and reused (``NetworkLayout``).
- ``region_grid_svg``: a region's places, one cell each, grouped by English region, coloured by
  their survey answer or leading phase (layout computed once per run: ``RegionGrid``);
  ``survey_svg``: the share of places giving each survey answer over time, with the survey's
  figures (003:267) marked at its month.

Elements the browser tests look for carry classes: ``shock-marker`` (plus ``live`` for a button
press), ``reversal``, ``trigger``, ``departed``, ``arrived``.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from ..core import network as net
from ..core.events import Event
from ..core.lifecycle import PHASE_NAMES
from ..core.region import REGIONS, TYPES
from ..core.survey import CATEGORIES

# Display choices (not model parameters).
# Colours that survive a projector and colour-blind viewers: phases on one orange-to-blue scale
# (distinct in deuteranopia, protanopia and tritanopia and in grey by lightness), corners and
# runs A/B from the Okabe-Ito palette (Okabe & Ito 2008), which is designed for colour-blind viewers.
PHASE_COLOURS = ("#bdbdbd", "#fdae6b", "#e6550d", "#6baed6", "#08519c")
PHASE_TEXT = ("#636363", "#a63603", "#a63603", "#08519c", "#08306b")
CORNER_COLOURS = ("#D55E00", "#0072B2", "#009E73")  # authority, capacity, value: Okabe-Ito
A_COLOUR = "#1a1a1a"  # run A (and a single run): black, solid
B_COLOUR = "#CC79A7"  # run B: Okabe-Ito reddish purple, dashed
B_TEXT = "#8e3a6e"  # the same hue, dark enough for text on white
BAND_OPACITY = (0.16, 0.30)  # the 90% and 50% bands of an ensemble
CORNER_LETTERS = ("A", "C", "V")
CORNER_NAMES = ("authority", "capacity", "value")
FLOW_FULL = 0.25  # a flow this strong draws the widest arrow (Model 2's flows are about 0.03-0.3)
# A flow that passes on less than this share of what its source corner holds is a weak link,
# drawn dotted (004:95-99): the links, not the corner, are what is weak.
FLOW_WEAK_SHARE = 0.25
MODE_NAMES = ("", "fragile", "sustainable", "pervasive")
ROLE_COLOURS = {
    "political_leader": "#a50f15", "chief_executive": "#de2d26", "director": "#fb6a4a",
    "senior_officer": "#fcae91", "cabinet_member": "#8c510a", "councillor": "#d8b365",
    "central_government": "#525252", "inspectorate": "#969696", "manager": "#54278f",
    "partner": "#9e9ac8", "frontline_team": "#3182bd", "community_group": "#006d2c",
    "resident": "#74c476",
}
MAX_EDGES = 2500  # the strongest links drawn; a maximal network has ~93,000
FONT = "font-family='Roboto, Helvetica, Arial, sans-serif'"
HALO = "paint-order='stroke' stroke='white' stroke-width='3' stroke-linejoin='round'"  # legible labels


def _f(x: float) -> str:
    return f"{x:.1f}"


def _svg(w: int, h: int, body: list[str], cls: str, label: str) -> str:
    return (f"<svg class='{cls}' viewBox='0 0 {w} {h}' width='100%' role='img' aria-label='{escape(label)}' "
            f"preserveAspectRatio='xMidYMid meet' xmlns='http://www.w3.org/2000/svg' {FONT}>"
            + "".join(body) + "</svg>")


def _arrow(x1, y1, x2, y2, r1, r2, width, colour, dotted, title) -> str:
    """A straight arrow between two circles, with a drawn (not marker) head sized to its width."""
    dx, dy = x2 - x1, y2 - y1
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    gap = 4.0
    sx, sy = x1 + ux * (r1 + gap), y1 + uy * (r1 + gap)
    tx, ty = x2 - ux * (r2 + gap), y2 - uy * (r2 + gap)
    head = 7 + 1.4 * width
    half = 3.5 + 0.9 * width
    bx, by = tx - ux * head, ty - uy * head
    px, py = -uy, ux
    dash = f" stroke-dasharray='{_f(max(2, width))} {_f(max(3, 1.6 * width))}'" if dotted else ""
    opacity = 0.55 if dotted else 0.9
    return (f"<g class='flow{' weak' if dotted else ''}' opacity='{opacity}'><title>{escape(title)}</title>"
            f"<line x1='{_f(sx)}' y1='{_f(sy)}' x2='{_f(bx)}' y2='{_f(by)}' stroke='{colour}' "
            f"stroke-width='{_f(width)}'{dash}/>"
            f"<polygon points='{_f(tx)},{_f(ty)} {_f(bx + px * half)},{_f(by + py * half)} "
            f"{_f(bx - px * half)},{_f(by - py * half)}' fill='{colour}'/></g>")


def triangle_svg(field: str, corners, flows, phase: int, mode: int = 0, big: bool = False) -> str:
    """One field's triangle. corners = (A, C, V) levels in [0, 1]; flows = (A->C, C->V, V->A)."""
    W, H = 220, 226
    fs = 1.2 if big else 1.0
    pos = ((110, 92), (44, 186), (176, 186))
    radii = [5 + 22 * float(np.clip(c, 0, 1)) for c in corners]
    name = PHASE_NAMES[phase] + (f" ({MODE_NAMES[mode]})" if phase == 4 and mode else "")
    pill_w = min(len(name) * 7.6 * fs + 22, W - 16)
    body = [f"<rect x='1' y='1' width='{W - 2}' height='{H - 2}' rx='10' fill='{PHASE_COLOURS[phase]}' "
            f"fill-opacity='0.13' stroke='{PHASE_COLOURS[phase]}' stroke-width='2'/>",
            f"<text x='110' y='{_f(19 * fs)}' text-anchor='middle' font-size='{_f(15 * fs)}' "
            f"font-weight='600' fill='#212121'>{escape(field)}</text>",
            f"<rect x='{_f(110 - pill_w / 2)}' y='{_f(19 * fs + 7)}' width='{_f(pill_w)}' height='{_f(20 * fs)}' "
            f"rx='{_f(10 * fs)}' fill='{PHASE_COLOURS[phase]}'/>",
            f"<text class='phase-name' x='110' y='{_f(19 * fs + 7 + 14.5 * fs)}' text-anchor='middle' "
            f"font-size='{_f(12.5 * fs)}' font-weight='700' fill='{'white' if phase in (2, 4) else '#212121'}'>"
            f"{escape(name)}</text>"]
    for k, (a, b) in enumerate(((0, 1), (1, 2), (2, 0))):
        fl = float(flows[k])
        width = 1.0 + 9.0 * min(max(fl, 0.0) / FLOW_FULL, 1.0)
        weak = fl < FLOW_WEAK_SHARE * float(corners[a])
        title = (f"{CORNER_NAMES[a]} -> {CORNER_NAMES[b]}: flow {fl:.3f}" + (" (weak link)" if weak else ""))
        body.append(_arrow(*pos[a], *pos[b], radii[a], radii[b], width, CORNER_COLOURS[a], weak, title))
    for k in range(3):
        x, y = pos[k]
        body.append(f"<g class='corner'><title>{CORNER_NAMES[k]} {float(corners[k]):.2f}</title>"
                    f"<circle cx='{x}' cy='{y}' r='{_f(radii[k])}' fill='{CORNER_COLOURS[k]}'/>"
                    f"<text x='{x}' y='{_f(y + 5 * fs)}' text-anchor='middle' font-size='{_f(14 * fs)}' "
                    f"font-weight='700' fill='white'>{CORNER_LETTERS[k]}</text></g>")
        tx = x + radii[k] + 17 if k == 0 else x
        ty = y + 4 if k == 0 else min(y + radii[k] + 13 * fs, H - 4)
        body.append(f"<text x='{_f(tx)}' y='{_f(ty)}' text-anchor='middle' "
                    f"font-size='{_f(11 * fs)}' fill='#424242'>{float(corners[k]):.2f}</text>")
    return _svg(W, H, body, "triangle", f"{field}: {name}")


# ----------------------------------------------------------------------------------- time axes
def _axis_months(month: int, months: int) -> int:
    """The x-axis length: the scenario's run length, extended by years if the run goes on."""
    return max(months, int(math.ceil(max(month, 1) / 12.0)) * 12)


def _ticks(M: int, start_year: int | None, x, y0: float, fs: float, every: int | None = None) -> list[str]:
    every = every or (12 if M <= 180 else 24 if M <= 360 else 60)
    out = []
    for m in range(0, M + 1, every):
        label = str(start_year + m // 12) if start_year is not None else f"{m}"
        out.append(f"<line x1='{_f(x(m))}' y1='{_f(y0)}' x2='{_f(x(m))}' y2='{_f(y0 + 4)}' stroke='#757575'/>"
                   f"<text x='{_f(x(m))}' y='{_f(y0 + 15 * fs)}' text-anchor='middle' font-size='{_f(10.5 * fs)}' "
                   f"fill='#616161'>{label}</text>")
    return out


def _segments(values: np.ndarray):
    """(start, end, value) of each run of equal values."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            yield start, i - 1, int(values[start])
            start = i


def _phase_legend(x0: float, y: float, fs: float, caption: str = "") -> list[str]:
    out, x = [], x0
    if caption:
        out.append(f"<text x='{_f(x)}' y='{_f(y)}' font-size='{_f(11 * fs)}' fill='#424242'>{escape(caption)}</text>")
        x += len(caption) * 5.9 * fs
    for k, name in enumerate(PHASE_NAMES):
        out.append(f"<rect x='{_f(x)}' y='{_f(y - 9 * fs)}' width='{_f(11 * fs)}' height='{_f(11 * fs)}' "
                   f"fill='{PHASE_COLOURS[k]}'/><text x='{_f(x + 15 * fs)}' y='{_f(y)}' "
                   f"font-size='{_f(11 * fs)}' fill='#424242'>{escape(name)}</text>")
        x += (len(name) * 5.9 + 26) * fs
    return out


SHORT_KIND = {  # marker labels on the charts
    "underperformance": "inspection", "leader_departure": "leader leaves",
    "leader_arrival": "new leader", "funding_start": "grant starts", "funding_end": "grant ends",
    "election": "election", "crisis": "crisis", "budget_cut": "budget cut", "commissioning": "commissioning",
    "efficiency_pressure": "efficiency pressure", "member_pressure": "member pressure",
    "community_pressure": "community pressure", "central_pressure": "central pressure",
    "partnership": "partnership", "hold": "hold starts", "hold_end": "hold ends",
}
SHORT_ROLES = {"political_leader": "leader", "chief_executive": "CE", "director": "director"}


def _shock_label(m: dict) -> str:
    return SHORT_KIND.get(m["kind"], m["kind"].replace("_", " "))


def value_curve_svg(field_idx: int, fields: list[str], phase_hist: np.ndarray, perf_hist: np.ndarray,
                    shocks: list[dict], transitions: list[Event], months: int, start_year: int | None,
                    big: bool = False, other: dict | None = None, bands: list[dict] | None = None) -> str:
    """Performance of ``fields[field_idx]`` month by month (the other fields faint), on bands of
    its phase, with its trigger point(s), reversals and the shocks that hit it.

    ``other`` (compare mode): a second run of the same fields to overlay, a dict with keys
    label_a, label_b, phase, performance, shocks, transitions. Its line is dashed, its phases a
    strip along the bottom; the other fields are then left out.
    ``bands`` (an ensemble): per run, a dict with label, colour, n and q = (5 quantiles, months + 1)
    of this field's performance: the 90% and 50% bands and the median are drawn under the lines."""
    W, H = 760, 340
    fs = 1.3 if big else 1.0
    left, right, top, bottom = 54 * fs, W - 14, 38 * fs, H - 84 * fs
    T = len(perf_hist) - 1
    M = _axis_months(T, months)
    if bands:
        M = max(M, *(b["q"].shape[1] - 1 for b in bands))
    f = field_idx
    name = fields[f]
    both = [perf_hist.ravel()] + ([other["performance"].ravel()] if other is not None else [])
    both += [b["q"][[0, -1]].ravel() for b in bands or []]
    both = np.concatenate(both)
    lo = min(0.2, math.floor((both.min() - 0.02) * 10) / 10)
    hi = max(0.9, math.ceil((both.max() + 0.02) * 10) / 10)

    def x(m):
        return left + (right - left) * m / M

    def y(v):
        return bottom - (bottom - top) * (v - lo) / (hi - lo)

    body = [f"<text x='{_f(left)}' y='{_f(17 * fs)}' font-size='{_f(14 * fs)}' font-weight='600' fill='#212121'>"
            f"{escape(name)}: performance month by month, on the phase it is in</text>"]
    band_opacity = 0.22 if bands else 0.5 if big else 0.38  # fainter under an ensemble's bands
    for a, b, ph in _segments(phase_hist[:, f]):
        body.append(f"<rect class='phase-band' x='{_f(x(max(a - 0.5, 0)))}' y='{_f(top)}' "
                    f"width='{_f(x(min(b + 0.5, M)) - x(max(a - 0.5, 0)))}' height='{_f(bottom - top)}' "
                    f"fill='{PHASE_COLOURS[ph]}' fill-opacity='{band_opacity}'><title>{escape(PHASE_NAMES[ph])}: "
                    f"months {a}-{b}</title></rect>")
    for k in range(int(math.ceil(lo * 10)), int(math.floor(hi * 10)) + 1):
        v = k / 10
        body.append(f"<line x1='{_f(left)}' y1='{_f(y(v))}' x2='{_f(right)}' y2='{_f(y(v))}' stroke='#e0e0e0'/>"
                    f"<text x='{_f(left - 6)}' y='{_f(y(v) + 4)}' text-anchor='end' font-size='{_f(10.5 * fs)}' "
                    f"fill='#616161'>{v:.1f}</text>")
    body.append(f"<text class='axis-title' transform='translate({_f(13 * fs)},{_f((top + bottom) / 2)}) rotate(-90)' "
                f"text-anchor='middle' font-size='{_f(11 * fs)}' fill='#424242'>performance (0-1)</text>")
    start = float(perf_hist[0, f])
    body.append(f"<line x1='{_f(left)}' y1='{_f(y(start))}' x2='{_f(right)}' y2='{_f(y(start))}' "
                f"stroke='#424242' stroke-dasharray='5 4' stroke-width='1'><title>starting level: "
                f"public value is performance above it</title></line>")
    for b in bands or []:
        _band(body, b, x, y, fs)
    months_x = [x(m) for m in range(T + 1)]
    for g in range(len(fields) if other is None else 0):
        if g != f:
            pts = " ".join(f"{_f(a)},{_f(y(v))}" for a, v in zip(months_x, perf_hist[:, g]))
            body.append(f"<polyline class='other-field' points='{pts}' fill='none' stroke='#9e9e9e' stroke-width='1' "
                        f"stroke-opacity='0.55'><title>{escape(fields[g])}</title></polyline>")
    triggers = [e.step for e in transitions
                if e.field == name and e.kind == "forward" and e.detail.startswith(PHASE_NAMES[0])]
    for i, m in enumerate(triggers):
        body.append(f"<g class='trigger'><line x1='{_f(x(m))}' y1='{_f(top)}' x2='{_f(x(m))}' "
                    f"y2='{_f(bottom)}' stroke='#212121' stroke-width='1.4' stroke-dasharray='6 3'/>"
                    + (f"<text x='{_f(x(m) + 4)}' y='{_f(bottom - 6)}' font-size='{_f(11 * fs)}' "
                       f"font-style='italic' fill='#212121' {HALO}>trigger point</text>" if i == 0 else "")
                    + "</g>")
    if other is not None:
        _overlay(body, other, f, name, x, y, top, bottom, left, right, fs)
    pts = " ".join(f"{_f(a)},{_f(y(v))}" for a, v in zip(months_x, perf_hist[:, f]))
    body.append(f"<polyline class='value-line' points='{pts}' fill='none' stroke='{A_COLOUR}' "
                f"stroke-width='{_f(2.6 * fs)}' stroke-linejoin='round'/>")
    for e in transitions:
        if e.field == name and e.kind == "backward" and e.step <= T:
            cx, cy = x(e.step), y(float(perf_hist[e.step, f]))
            body.append(f"<polygon class='reversal' points='{_f(cx - 5)},{_f(cy - 12)} {_f(cx + 5)},{_f(cy - 12)} "
                        f"{_f(cx)},{_f(cy - 4)}' fill='#c62828'><title>reversal at month {e.step}: "
                        f"{escape(e.detail)}</title></polygon>")
    _shock_lines(body, [s for s in shocks if s["field"] in (name, "all")], x, top, bottom, fs)
    cur = float(perf_hist[T, f])
    body.append(f"<circle cx='{_f(x(T))}' cy='{_f(y(cur))}' r='{_f(4.5 * fs)}' fill='{A_COLOUR}'/>"
                f"<text x='{_f(min(x(T) + 7, right - 30))}' y='{_f(y(cur) - 7)}' font-size='{_f(11 * fs)}' "
                f"font-weight='600' fill='{A_COLOUR}' {HALO}>{cur:.2f}</text>")
    body += _ticks(M, start_year, x, bottom, fs)
    body.append(f"<text class='axis-title' x='{_f((left + right) / 2)}' y='{_f(bottom + 31 * fs)}' text-anchor='middle' "
                f"font-size='{_f(11 * fs)}' fill='#424242'>{'year' if start_year is not None else 'months from the start'}</text>")
    body += _line_legend(left, bottom + 52 * fs, fs, other, bands)
    body += _phase_legend(left, H - 8, fs, "phase (background): ")
    return _svg(W, H, body, "value-curve", f"value curve for {name}")


def _band(body: list[str], b: dict, x, y, fs: float) -> None:
    """An ensemble's 90% and 50% bands of one field and its median (dotted)."""
    q = b["q"]
    ms = range(q.shape[1])
    for (lo_k, hi_k), op in zip(((0, 4), (1, 3)), BAND_OPACITY):
        upper = " ".join(f"{_f(x(m))},{_f(y(q[hi_k, m]))}" for m in ms)
        lower = " ".join(f"{_f(x(m))},{_f(y(q[lo_k, m]))}" for m in reversed(ms))
        body.append(f"<polygon class='band band-{'90' if lo_k == 0 else '50'}' points='{upper} {lower}' "
                    f"fill='{b['colour']}' fill-opacity='{op}' stroke='none'><title>{escape(b['label'])}: "
                    f"{'90' if lo_k == 0 else '50'}% of {b['n']} runs</title></polygon>")
    med = " ".join(f"{_f(x(m))},{_f(y(q[2, m]))}" for m in ms)
    body.append(f"<polyline class='band-median' points='{med}' fill='none' stroke='{b['colour']}' "
                f"stroke-width='{_f(1.6 * fs)}' stroke-dasharray='2 3'/>")


def _line_legend(x0: float, y: float, fs: float, other: dict | None, bands: list[dict] | None) -> list[str]:
    """What each line means, in one row under the axis."""
    items = [("line", A_COLOUR, "", other["label_a"] if other else "this run")]
    if other:
        items.append(("line", B_COLOUR, "7 4", other["label_b"]))
    else:
        items.append(("line", "#9e9e9e", "", "other fields"))
    items.append(("line", "#424242", "5 4", "starting level"))
    if bands:
        items.append(("box", "#000000", "", f"middle 50% / 90% of {bands[0]['n']} runs; dotted: median"))
    out, x = [], x0
    for kind, colour, dash, text in items:
        if kind == "line":
            out.append(f"<line x1='{_f(x)}' y1='{_f(y - 4 * fs)}' x2='{_f(x + 22 * fs)}' y2='{_f(y - 4 * fs)}' "
                       f"stroke='{colour}' stroke-width='{_f(2.4 * fs)}'" + (f" stroke-dasharray='{dash}'" if dash else "") + "/>")
        else:
            out.append(f"<rect x='{_f(x)}' y='{_f(y - 11 * fs)}' width='{_f(22 * fs)}' height='{_f(12 * fs)}' "
                       f"fill='{colour}' fill-opacity='0.25'/>")
        out.append(f"<text class='legend' x='{_f(x + 27 * fs)}' y='{_f(y)}' font-size='{_f(11 * fs)}' "
                   f"fill='#424242'>{escape(text)}</text>")
        x += (len(text) * 6.0 + 40) * fs
    return out


def _overlay(body, other, f, name, x, y, top, bottom, left, right, fs) -> None:
    """Compare mode: run B's curve (dashed), its phases as a strip, its triggers, and a legend."""
    strip = 9 * fs
    for a, b, ph in _segments(other["phase"][:, f]):
        body.append(f"<rect class='phase-strip-b' x='{_f(x(max(a - 0.5, 0)))}' y='{_f(bottom - strip)}' "
                    f"width='{_f(x(b + 0.5) - x(max(a - 0.5, 0)))}' height='{_f(strip)}' "
                    f"fill='{PHASE_COLOURS[ph]}'><title>B: {escape(PHASE_NAMES[ph])}, months {a}-{b}</title></rect>")
    body.append(f"<text x='{_f(left + 3)}' y='{_f(bottom - strip - 3)}' font-size='{_f(10.5 * fs)}' "
                f"fill='{B_TEXT}' {HALO}>phase of B</text>")
    for e in other["transitions"]:
        if e.field == name and e.kind == "forward" and e.detail.startswith(PHASE_NAMES[0]):
            body.append(f"<line x1='{_f(x(e.step))}' y1='{_f(top)}' x2='{_f(x(e.step))}' y2='{_f(bottom)}' "
                        f"stroke='{B_COLOUR}' stroke-width='1' stroke-dasharray='3 3'/>")
    pts = " ".join(f"{_f(x(m))},{_f(y(v))}" for m, v in enumerate(other["performance"][:, f]))
    body.append(f"<polyline class='value-line-b' points='{pts}' fill='none' stroke='{B_COLOUR}' "
                f"stroke-width='{_f(2.2 * fs)}' stroke-dasharray='7 4' stroke-linejoin='round'/>")


def _shock_lines(body: list[str], shocks: list[dict], x, top, bottom, fs) -> None:
    """A line per shock; labels of the same month are joined ("leader leaves + new leader") and
    labels that would overlap go to the next free row (up to 4), so none collide."""
    by_month: dict[int, list[dict]] = {}
    for s in shocks:
        by_month.setdefault(s["month"], []).append(s)
    rows: list[list[tuple[float, float]]] = [[] for _ in range(4)]
    for month, group in sorted(by_month.items()):
        cx = x(month)
        live = any(s["live"] for s in group)
        colour = "#c62828" if live else "#616161"
        for s in group:
            cls = "shock-marker live" if s["live"] else "shock-marker"
            body.append(f"<g class='{cls}' data-month='{s['month']}' data-kind='{s['kind']}'>"
                        f"<title>{'live ' if s['live'] else ''}shock at month {s['month']}: {escape(_shock_label(s))} "
                        f"in {escape(s['field'])}</title>"
                        f"<line x1='{_f(cx)}' y1='{_f(top)}' x2='{_f(cx)}' y2='{_f(bottom)}' stroke='{colour}' "
                        f"stroke-width='{_f(1.6 if s['live'] else 1.1)}'/>"
                        f"<polygon points='{_f(cx - 5)},{_f(top - 7)} {_f(cx + 5)},{_f(top - 7)} {_f(cx)},{_f(top)}' "
                        f"fill='{colour}'/></g>")
        text = " + ".join(dict.fromkeys(_shock_label(s) for s in group))
        width = len(text) * 6.4 * fs + 8
        x0 = cx + 4
        row = next((k for k, r in enumerate(rows) if all(x0 > b + 4 or x0 + width < a - 4 for a, b in r)), None)
        if row is None:  # no free row: the line and its tooltip still show
            continue
        rows[row].append((x0, x0 + width))
        ly = top + (12 + 13 * row) * fs
        body.append(f"<text class='shock-label' x='{_f(x0)}' y='{_f(ly)}' font-size='{_f(10.5 * fs)}' "
                    f"font-weight='600' fill='{colour}' {HALO}>{escape(text)}</text>")


def timeline_svg(fields: list[str], phase_hist: np.ndarray, shocks: list[dict], transitions: list[Event],
                 months: int, start_year: int | None, big: bool = False,
                 title: str = "Phase timeline: every field") -> str:
    """Which field is in which phase, month by month; reversals and shocks marked."""
    W = 760
    fs = 1.3 if big else 1.0
    row_h = 28 * fs
    label_w = 150 * fs
    top = 48 * fs
    F = len(fields)
    bottom = top + row_h * F
    H = int(bottom + 48 * fs)
    T = len(phase_hist) - 1
    M = _axis_months(T, months)
    right = W - 12

    def x(m):
        return label_w + (right - label_w) * m / M

    body = [f"<text x='4' y='{_f(17 * fs)}' font-size='{_f(14 * fs)}' font-weight='600' fill='#212121'>"
            f"{escape(title)}</text>"]
    reversals = {name: 0 for name in fields}
    for i, name in enumerate(fields):
        y0 = top + i * row_h
        body.append(f"<text x='{_f(label_w - 8)}' y='{_f(y0 + row_h * 0.62)}' text-anchor='end' "
                    f"font-size='{_f(12 * fs)}' fill='#212121'>{escape(name)}</text>")
        for a, b, ph in _segments(phase_hist[:, i]):
            body.append(f"<rect x='{_f(x(a))}' y='{_f(y0 + 3)}' width='{_f(max(x(b + 1) - x(a), 1))}' "
                        f"height='{_f(row_h - 6)}' fill='{PHASE_COLOURS[ph]}'><title>{escape(name)}: "
                        f"{escape(PHASE_NAMES[ph])}, months {a}-{b}</title></rect>")
    for e in transitions:
        if e.kind == "backward" and e.field in reversals and e.step <= T:
            reversals[e.field] += 1
            i = fields.index(e.field)
            cx, y0 = x(e.step), top + i * row_h
            body.append(f"<polygon class='reversal' points='{_f(cx - 5)},{_f(y0)} {_f(cx + 5)},{_f(y0)} "
                        f"{_f(cx)},{_f(y0 + 9)}' fill='#c62828' stroke='white' stroke-width='0.8'>"
                        f"<title>reversal at month {e.step}: {escape(e.detail)}</title></polygon>")
    for s in shocks:
        rows = range(F) if s["field"] == "all" else [fields.index(s["field"])] if s["field"] in fields else []
        if not rows:
            continue
        y1, y2 = top + min(rows) * row_h, top + (max(rows) + 1) * row_h
        colour = "#c62828" if s["live"] else "#424242"
        cls = "shock-marker live" if s["live"] else "shock-marker"
        cx = x(s["month"])
        body.append(f"<g class='{cls}' data-month='{s['month']}' data-kind='{s['kind']}'>"
                    f"<title>{'live ' if s['live'] else ''}shock at month {s['month']}: {escape(s['kind'])} "
                    f"in {escape(s['field'])}</title><line x1='{_f(cx)}' y1='{_f(y1 - 4)}' x2='{_f(cx)}' "
                    f"y2='{_f(y2 + 2)}' stroke='{colour}' stroke-width='2.2' stroke-dasharray='4 2'/>"
                    f"<polygon points='{_f(cx - 5)},{_f(y1 - 10)} {_f(cx + 5)},{_f(y1 - 10)} {_f(cx)},{_f(y1 - 3)}' "
                    f"fill='{colour}'/></g>")
    body.append(f"<line class='now' x1='{_f(x(T + 1))}' y1='{_f(top - 4)}' x2='{_f(x(T + 1))}' "
                f"y2='{_f(bottom + 2)}' stroke='#212121' stroke-width='1.5'/>")
    summary = ", ".join(f"{n}: {k}" for n, k in reversals.items() if k)
    body.append(f"<text class='reversal-summary' x='4' y='{_f(34 * fs)}' font-size='{_f(11 * fs)}' "
                f"fill='{'#c62828' if summary else '#616161'}'>&#9660; reversals (a field falling back a phase): "
                f"{escape(summary) if summary else 'none yet'}</text>")
    body += _ticks(M, start_year, x, bottom + 2, fs)
    body += _phase_legend(4, H - 6, fs)
    return _svg(W, H, body, "timeline", "phase timeline")


def reach_svg(fields: list[str], runs: list[dict], months: int, big: bool = False) -> str:
    """Phase-probability bars of an ensemble: per field and phase, the share of runs that reach it
    within ``months``. ``runs``: dicts with label, colour, n and reach = (fields, 5) shares."""
    W = 760
    fs = 1.3 if big else 1.0
    label_w, top = 150 * fs, 54 * fs
    bar_h = 13 * fs
    row_h = (len(runs) * (bar_h + 3) + 10) * fs ** 0.3
    col_w = (W - label_w - 8) / 4
    H = int(top + row_h * len(fields) + (22 * fs if len(runs) > 1 else 8))
    n = runs[0]["n"]
    body = [f"<text x='4' y='{_f(17 * fs)}' font-size='{_f(14 * fs)}' font-weight='600' fill='#212121'>"
            f"Chance of reaching each phase within {months} months ({n} runs)</text>"]
    for k in range(1, 5):
        cx = label_w + (k - 1) * col_w
        body.append(f"<rect x='{_f(cx)}' y='{_f(top - 24 * fs)}' width='{_f(col_w - 6)}' height='{_f(6 * fs)}' "
                    f"fill='{PHASE_COLOURS[k]}'/><text x='{_f(cx)}' y='{_f(top - 6 * fs)}' font-size='{_f(11 * fs)}' "
                    f"fill='#424242'>{escape(PHASE_NAMES[k])}</text>")
    for i, name in enumerate(fields):
        y0 = top + i * row_h
        body.append(f"<text x='{_f(label_w - 8)}' y='{_f(y0 + row_h / 2 + 4 * fs)}' text-anchor='end' "
                    f"font-size='{_f(12 * fs)}' fill='#212121'>{escape(name)}</text>")
        for k in range(1, 5):
            cx = label_w + (k - 1) * col_w
            for j, r in enumerate(runs):
                p = float(r["reach"][i, k])
                by = y0 + 4 + j * (bar_h + 3)
                full = col_w - 52 * fs
                body.append(f"<g class='reach-bar run-{j}' data-p='{p:.3f}'><title>{escape(r['label'])}: {escape(name)} "
                            f"reaches {escape(PHASE_NAMES[k])} in {p:.0%} of {r['n']} runs</title>"
                            f"<rect x='{_f(cx)}' y='{_f(by)}' width='{_f(full)}' height='{_f(bar_h)}' fill='#eeeeee'/>"
                            f"<rect x='{_f(cx)}' y='{_f(by)}' width='{_f(full * p)}' height='{_f(bar_h)}' "
                            f"fill='{r['colour']}'/><text x='{_f(cx + full + 4)}' y='{_f(by + bar_h - 2 * fs)}' "
                            f"font-size='{_f(11 * fs)}' fill='#212121'>{p:.0%}</text></g>")
    if len(runs) > 1:
        x = 4
        for r in runs:
            body.append(f"<rect x='{_f(x)}' y='{_f(H - 16 * fs)}' width='{_f(14 * fs)}' height='{_f(11 * fs)}' "
                        f"fill='{r['colour']}'/><text x='{_f(x + 18 * fs)}' y='{_f(H - 6 * fs)}' "
                        f"font-size='{_f(11 * fs)}' fill='#424242'>{escape(r['label'])}</text>")
            x += (len(r["label"]) * 6.2 + 40) * fs
    return _svg(W, H, body, "reach", "chance of reaching each phase")


# ----------------------------------------------------------------------------------- network
class NetworkLayout:
    """Positions of a run's agents: y by layer (systemic at the top, the public at the bottom),
    x by service field (one column per field, agents of every field across the top row of their
    layer). Computed once per run; arrivals are placed next to the post-holder they replace."""

    W, H = 760, 470
    LEFT, RIGHT = 88, 748
    LAYER_RANGES = ((44, 128), (146, 214), (232, 300), (318, 398))  # systemic, sectoral, frontline, public

    def __init__(self, state, fields: list[str]):
        self.fields = fields
        self.pos: dict[int, tuple[float, float]] = {}
        F = len(fields)
        self.band = (self.RIGHT - self.LEFT) / F
        n = len(state.role)
        idx = [i for i in range(n) if state.alive[i]]
        for layer in range(4):
            lo, hi = self.LAYER_RANGES[layer]
            members = [i for i in idx if state.layer[i] == layer]
            general = sorted((i for i in members if state.field[i] < 0), key=lambda i: (state.role[i], i))
            if general:  # agents of every field: one row across the top of the layer
                step = (self.RIGHT - self.LEFT) / (len(general) + 1)
                for k, i in enumerate(general):
                    self.pos[i] = (self.LEFT + step * (k + 1), lo + 6)
                lo += 28
            for f in range(F):
                group = sorted((i for i in members if state.field[i] == f), key=lambda i: (state.role[i], i))
                self._fill(group, self.LEFT + f * self.band, lo, hi)

    def _fill(self, group: list[int], x0: float, lo: float, hi: float) -> None:
        if not group:
            return
        usable = self.band - 10
        per_row = max(1, int(usable // 10))
        rows = math.ceil(len(group) / per_row)
        per_row = math.ceil(len(group) / rows)
        for k, i in enumerate(group):
            r, c = divmod(k, per_row)
            xs = x0 + 5 + usable * (c + 0.5 + (0.25 if r % 2 else 0)) / per_row
            ys = lo + (hi - lo) * ((r + 0.5) / rows) if rows > 1 else (lo + hi) / 2
            self.pos[i] = (min(xs, x0 + self.band - 3), ys)

    def place(self, i: int, state, ghosts: list[tuple[float, float]]) -> tuple[float, float]:
        """Position a newcomer next to where the last holder of its role was drawn."""
        if i not in self.pos:
            if ghosts:
                x, y = ghosts[-1]
                self.pos[i] = (x + 13, y + 11)
            else:
                lo, hi = self.LAYER_RANGES[int(state.layer[i])]
                f = int(state.field[i])
                x = self.LEFT + (f + 0.5) * self.band if f >= 0 else (self.LEFT + self.RIGHT) / 2
                self.pos[i] = (x, lo + 6)
        return self.pos[i]


def network_svg(run, layout: NetworkLayout, big: bool = False) -> str:
    """The layered network of a run as it stands: nodes coloured by role (core clique ringed),
    link width by strength, leaders who left drawn as crossed-out ghosts, newcomers ringed gold."""
    st = run.model.state
    W, H = layout.W, layout.H
    fs = 1.2 if big else 1.0
    alive = np.flatnonzero(st.alive)
    ghosts: dict[str, list[tuple[float, float]]] = {}
    current: dict[int, object] = {}  # newcomers still in post
    for ch in run.roster:
        if ch.kind == "left":
            current.pop(ch.idx, None)
            if ch.pos is not None:
                ghosts.setdefault(ch.role, []).append(ch.pos)
        else:
            current[ch.idx] = ch
    for i in alive:
        if int(i) not in layout.pos:
            layout.place(int(i), st, ghosts.get(net.ROLE_NAMES[st.role[i]], []))
    body = []
    for layer, (lo, hi) in enumerate(layout.LAYER_RANGES):
        body.append(f"<rect x='4' y='{lo - 8}' width='{W - 8}' height='{hi - lo + 16}' rx='6' "
                    f"fill='{'#fafafa' if layer % 2 else '#f2f2f2'}'/>"
                    f"<text x='10' y='{_f((lo + hi) / 2 + 4)}' font-size='{_f(12 * fs)}' font-weight='600' "
                    f"fill='#424242'>{net.LAYERS[layer]}</text>")
    for f, name in enumerate(layout.fields):
        cx = layout.LEFT + (f + 0.5) * layout.band
        body.append(f"<text x='{_f(cx)}' y='22' text-anchor='middle' font-size='{_f(11 * fs)}' "
                    f"fill='#424242'>{escape(name)}</text>")
    # links, strongest first, in four width classes (one path each keeps the SVG small)
    adj = st.adjacency
    sub = adj[np.ix_(alive, alive)]
    a, b = np.nonzero(np.triu(sub, 1))
    w = sub[a, b]
    n_links = len(w)
    if n_links > MAX_EDGES:
        keep = np.argsort(-w, kind="stable")[:MAX_EDGES]
        a, b, w = a[keep], b[keep], w[keep]
    cls = np.minimum((w * 4).astype(int), 3)
    for k, width in enumerate((0.35, 0.7, 1.2, 2.0)):
        sel = cls == k
        if not sel.any():
            continue
        d = "".join(f"M{_f(layout.pos[int(alive[i])][0])} {_f(layout.pos[int(alive[i])][1])}"
                    f"L{_f(layout.pos[int(alive[j])][0])} {_f(layout.pos[int(alive[j])][1])}"
                    for i, j in zip(a[sel], b[sel]))
        body.append(f"<path d='{d}' stroke='#616161' stroke-opacity='{0.22 + 0.12 * k:.2f}' "
                    f"stroke-width='{width}' fill='none'/>")
    joined = current
    for i in alive:
        i = int(i)
        x, y = layout.pos[i]
        role = net.ROLE_NAMES[st.role[i]]
        r = {3.0: 7.0, 2.0: 5.5, 1.0: 4.0, 0.5: 3.5}.get(float(st.weight[i]), 3.5)
        if role == "resident":
            r = 3.0
        ring = " stroke='#111' stroke-width='1.3'" if st.clique[i] else " stroke='white' stroke-width='0.5'"
        body.append(f"<circle cx='{_f(x)}' cy='{_f(y)}' r='{r}' fill='{ROLE_COLOURS[role]}'{ring}>"
                    f"<title>{role.replace('_', ' ')}</title></circle>")
        if i in joined:
            ch = joined[i]
            body.append(f"<g class='arrived'><circle cx='{_f(x)}' cy='{_f(y)}' r='{r + 4}' fill='none' "
                        f"stroke='#f9a825' stroke-width='2.5'/><text x='{_f(x + r + 6)}' y='{_f(y + 16)}' "
                        f"font-size='{_f(10.5 * fs)}' font-weight='600' fill='#e65100' {HALO}>new "
                        f"{SHORT_ROLE(ch.role)} m{ch.month}</text></g>")
    for ch in run.roster:
        if ch.kind != "left" or ch.pos is None:
            continue
        x, y = ch.pos
        label = (f"<text x='{_f(x - 8)}' y='{_f(y - 9)}' text-anchor='end' font-size='{_f(10.5 * fs)}' "
                 f"font-weight='600' fill='#616161' {HALO}>{SHORT_ROLE(ch.role)} left m{ch.month}</text>"
                 if ch.role in ("political_leader", "chief_executive", "director") else "")
        body.append(f"<g class='departed'><title>{ch.role.replace('_', ' ')} left at month {ch.month}</title>"
                    f"<circle cx='{_f(x)}' cy='{_f(y)}' r='6' fill='white' stroke='#9e9e9e' "
                    f"stroke-dasharray='2 2' stroke-width='1.3'/><path d='M{_f(x - 4)} {_f(y - 4)}L{_f(x + 4)} "
                    f"{_f(y + 4)}M{_f(x - 4)} {_f(y + 4)}L{_f(x + 4)} {_f(y - 4)}' stroke='#9e9e9e' "
                    f"stroke-width='1.3'/>{label}</g>")
    # legend: roles, then the markers
    lx, ly = 12, 418
    for k, (role, colour) in enumerate(ROLE_COLOURS.items()):
        cx = lx + (k % 7) * 106
        cy = ly + (k // 7) * 16
        body.append(f"<circle cx='{cx + 4}' cy='{cy - 4}' r='4' fill='{colour}'/><text x='{cx + 12}' y='{cy}' "
                    f"font-size='10.5' fill='#424242'>{role.replace('_', ' ')}</text>")
    shown = f"{len(w):,} strongest of {n_links:,} links" if n_links > MAX_EDGES else f"{n_links:,} links"
    body.append(f"<text x='{lx}' y='{ly + 40}' font-size='10.5' fill='#616161'>{len(alive)} people and "
                f"organisations, {shown}; line width = link strength; ringed black = core clique; "
                f"&#10005; = left; gold ring = newcomer</text>")
    return _svg(W, H, body, "network", "the local innovation system")


def SHORT_ROLE(role: str) -> str:  # noqa: N802 - reads like a lookup table at the call sites
    return SHORT_ROLES.get(role, role.replace("_", " "))


# ----------------------------------------------------------------------------------- a region
# The survey's three answers (003:267), light to dark: a very light grey, Okabe-Ito orange and blue
# (distinct for colour-blind viewers and in grey by lightness). Line styles differ too.
ANSWER_COLOURS = ("#e0e0e0", "#E69F00", "#0072B2")
ANSWER_LINES = ("#757575", "#b07800", "#0072B2")  # the same, dark enough for a line or text on white
ANSWER_DASH = ("2 3", "8 4", "")
REGION_LABELS = {
    "north_east": "North East", "north_west": "North West", "yorkshire_humber": "Yorkshire & Humber",
    "east_midlands": "East Midlands", "west_midlands": "West Midlands", "east": "East of England",
    "london": "London", "south_east": "South East", "south_west": "South West",
}
TYPE_LABELS = {"county": "county", "district": "district", "metropolitan": "metropolitan",
               "london_borough": "London borough", "unitary": "unitary", "fire": "fire authority"}


class RegionGrid:
    """Where each place of a region is drawn: one row (or two) per English region, councils by
    type and then the region's fire authorities (circles), each a small cell. Computed once per
    run: only the colours change from month to month."""

    W = 760

    def __init__(self, kinds, regions, big: bool = False):
        fs = 1.3 if big else 1.0
        self.fs = fs
        kinds, regions = np.asarray(kinds), np.asarray(regions)
        self.n = len(kinds)
        label_w = 190 * fs
        avail = self.W - label_w - 8
        groups = [(r, [i for t in TYPES for i in np.flatnonzero((regions == r) & (kinds == t))])
                  for r in REGIONS if (regions == r).any()]
        most = max(len(idx) for _, idx in groups)
        lines = max(1, math.ceil(most * 12.0 * fs / avail))  # cells at least 12 px (15.6 projected)
        per_line = math.ceil(most / lines)
        pitch = min(26.0 * fs, avail / per_line)
        self.cell = pitch * 0.82
        top = 8
        self.pos = np.zeros((self.n, 2))
        self.rows: list[tuple[str, int, float, float]] = []  # (label, places, y of the label, row height)
        y = top
        for r, idx in groups:
            k = math.ceil(len(idx) / per_line)
            h = max(k * pitch, 20 * fs)
            for j, i in enumerate(idx):
                self.pos[i] = (label_w + (j % per_line) * pitch, y + (j // per_line) * pitch)
            self.rows.append((REGION_LABELS.get(r, r), len(idx), y, h))
            y += h + 6 * fs
        self.fire = kinds == "fire"
        self.titles = [escape(f"{REGION_LABELS.get(str(r), str(r))}, {TYPE_LABELS.get(str(k), str(k))} #{i}")
                       for i, (k, r) in enumerate(zip(kinds, regions))]
        self.legend_y = y + 16 * fs
        self.H = int(self.legend_y + 57 * fs)


def _star(cx: float, cy: float, r: float) -> str:
    """An SVG path of a five-pointed star of outer radius r, point up."""
    pts = [(cx + (r if k % 2 == 0 else r * 0.42) * math.sin(k * math.pi / 5),
            cy - (r if k % 2 == 0 else r * 0.42) * math.cos(k * math.pi / 5)) for k in range(10)]
    return "M" + "L".join(f"{_f(px)},{_f(py)}" for px, py in pts) + "Z"


def region_grid_svg(grid: RegionGrid, codes: np.ndarray, by: str = "answer", chosen: np.ndarray | None = None,
                    shocked: np.ndarray | None = None, title: str = "", beacons: np.ndarray | None = None) -> str:
    """The places of a region, coloured by their survey answer (``by="answer"``: codes index
    CATEGORIES) or by the phase of their leading field (``by="phase"``: codes index PHASE_NAMES).
    ``chosen``: places of the group the shock buttons act on (outlined); ``shocked``: places a live
    shock hit (a white dot); ``beacons``: places holding Beacon status now (a star: they show
    their proven innovations to every place, ODD 10.2). Councils are squares, fire authorities circles."""
    fs, c = grid.fs, grid.cell
    colours, names = (ANSWER_COLOURS, CATEGORIES) if by == "answer" else (PHASE_COLOURS, PHASE_NAMES)
    body = []
    for label, n, y, h in grid.rows:
        body.append(f"<text class='grid-row' x='4' y='{_f(y + min(h, c + 4) / 2 + 5 * fs)}' font-size='{_f(13 * fs)}' "
                    f"fill='#212121'>{escape(label)} <tspan fill='#616161' font-size='{_f(11 * fs)}'>({n})</tspan></text>")
    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(names))
    # colours and outlines from one style block, not repeated on every cell: a smaller page update
    style = "".join(f".region-grid.by-{by} .v{k}{{fill:{col}}}" for k, col in enumerate(colours))
    body.append(f"<style>.region-grid .place{{stroke:#9e9e9e;stroke-width:0.6}}"
                f".region-grid .place.chosen{{stroke:#212121;stroke-width:2.5}}{style}</style>")
    for i in range(grid.n):
        x, y = grid.pos[i]
        k = int(codes[i])
        cls = f"place v{k}{' fire' if grid.fire[i] else ''}{' chosen' if chosen is not None and chosen[i] else ''}"
        beacon = beacons is not None and beacons[i]
        tip = f"<title>{grid.titles[i]}: {names[k]}{' · a Beacon now' if beacon else ''}</title>"
        if grid.fire[i]:
            body.append(f"<circle class='{cls}' cx='{_f(x + c / 2)}' cy='{_f(y + c / 2)}' r='{_f(c / 2)}'>{tip}</circle>")
        else:
            body.append(f"<rect class='{cls}' x='{_f(x)}' y='{_f(y)}' width='{_f(c)}' height='{_f(c)}'>{tip}</rect>")
        if beacon:  # a white star over the colour: no answer or phase is drawn in white
            body.append(f"<path class='beacon' d='{_star(x + c / 2, y + c / 2, c * 0.48)}' fill='white' "
                        f"stroke='#212121' stroke-width='0.9'/>")
        if shocked is not None and shocked[i]:
            body.append(f"<circle class='shocked' cx='{_f(x + c / 2)}' cy='{_f(y + c / 2)}' r='{_f(max(c / 7, 1.8))}' "
                        f"fill='white' stroke='#212121' stroke-width='0.8'/>")
    x, y = 4.0, grid.legend_y
    caption = "survey answer: " if by == "answer" else "leading phase: "
    body.append(f"<text x='{_f(x)}' y='{_f(y)}' font-size='{_f(12 * fs)}' fill='#424242'>{caption}</text>")
    x += len(caption) * 6.4 * fs
    for k, name in enumerate(names):
        text = f"{name} ({counts[k]})"
        body.append(f"<rect x='{_f(x)}' y='{_f(y - 10 * fs)}' width='{_f(12 * fs)}' height='{_f(12 * fs)}' "
                    f"fill='{colours[k]}' stroke='#9e9e9e' stroke-width='0.6'/><text class='legend legend-{k}' "
                    f"x='{_f(x + 16 * fs)}' y='{_f(y)}' font-size='{_f(12 * fs)}' fill='#424242'>{escape(text)}</text>")
        x += (len(text) * 6.6 + 30) * fs
    body.append(f"<text x='4' y='{_f(y + 20 * fs)}' font-size='{_f(11 * fs)}' fill='#616161'>square = council, "
                f"circle = fire authority; black outline = the places the shock buttons act on;</text>"
                f"<text x='4' y='{_f(y + 35 * fs)}' font-size='{_f(11 * fs)}' fill='#616161'>white dot = hit by a "
                f"live shock; hover over a place for its name and answer</text>"
                f"<text class='beacon-legend' x='4' y='{_f(y + 50 * fs)}' font-size='{_f(11 * fs)}' fill='#616161'>"
                f"star = a Beacon now ({int(np.sum(beacons)) if beacons is not None else 0}): it shows its "
                f"proven innovations to every place</text>")
    return _svg(grid.W, grid.H, body, f"region-grid by-{by}", title or f"places by {by}")


def survey_svg(shares: np.ndarray, months: int, start_year: int | None, survey_month: int, survey: dict,
               shocks: list[dict], big: bool = False, title: str = "") -> str:
    """The share of places giving each survey answer, month by month (``shares``: (months so far
    + 1, 3), columns in CATEGORIES order), with the survey's own figures marked at its month."""
    W, H = 760, 330
    fs = 1.3 if big else 1.0
    left, right, top, bottom = 54 * fs, W - 150 * fs, 40 * fs, H - 66 * fs
    T = len(shares) - 1
    M = _axis_months(max(T, survey_month), months)

    def x(m):
        return left + (right - left) * m / M

    def y(v):
        return bottom - (bottom - top) * v

    body = [f"<text x='{_f(left)}' y='{_f(17 * fs)}' font-size='{_f(14 * fs)}' font-weight='600' fill='#212121'>"
            f"{escape(title or 'How innovative do places say they are? Share of places, month by month')}</text>"]
    for k in range(0, 11, 2):
        v = k / 10
        body.append(f"<line x1='{_f(left)}' y1='{_f(y(v))}' x2='{_f(right)}' y2='{_f(y(v))}' stroke='#e0e0e0'/>"
                    f"<text x='{_f(left - 6)}' y='{_f(y(v) + 4)}' text-anchor='end' font-size='{_f(10.5 * fs)}' "
                    f"fill='#616161'>{v:.0%}</text>")
    body.append(f"<text class='axis-title' transform='translate({_f(13 * fs)},{_f((top + bottom) / 2)}) rotate(-90)' "
                f"text-anchor='middle' font-size='{_f(11 * fs)}' fill='#424242'>share of places</text>")
    sx = x(survey_month)
    when = f"{MONTH_SHORT[survey_month % 12]} {start_year + survey_month // 12}" if start_year is not None \
        else f"month {survey_month}"
    body.append(f"<g class='survey-month'><line x1='{_f(sx)}' y1='{_f(top)}' x2='{_f(sx)}' y2='{_f(bottom)}' "
                f"stroke='#212121' stroke-width='1.2' stroke-dasharray='3 3'/><text x='{_f(sx)}' y='{_f(top - 6 * fs)}' "
                f"text-anchor='middle' font-size='{_f(11 * fs)}' font-weight='600' fill='#212121'>survey, {when}</text></g>")
    _shock_lines(body, shocks, x, top + 14 * fs, bottom, fs)
    ends = []
    for k, name in enumerate(CATEGORIES):
        pts = " ".join(f"{_f(x(m))},{_f(y(v))}" for m, v in enumerate(shares[:, k]))
        dash = f" stroke-dasharray='{ANSWER_DASH[k]}'" if ANSWER_DASH[k] else ""
        body.append(f"<polyline class='share-line share-{k}' points='{pts}' fill='none' stroke='{ANSWER_LINES[k]}' "
                    f"stroke-width='{_f(2.6 * fs)}' stroke-linejoin='round'{dash}><title>{escape(name)}</title></polyline>")
        target = survey.get(name)
        if target is not None:  # the survey's figure: a hollow diamond at its month
            ty, d = y(target), 7 * fs
            body.append(f"<g class='survey-mark' data-answer='{escape(name)}' data-value='{target}'><title>survey: "
                        f"{escape(name)} {target:.0%} (003:267)</title><polygon points='{_f(sx)},{_f(ty - d)} "
                        f"{_f(sx + d)},{_f(ty)} {_f(sx)},{_f(ty + d)} {_f(sx - d)},{_f(ty)}' fill='white' "
                        f"stroke='{ANSWER_LINES[k]}' stroke-width='{_f(2.4 * fs)}'/><text x='{_f(sx + d + 4)}' "
                        f"y='{_f(ty + 4 * fs)}' font-size='{_f(11 * fs)}' font-weight='600' fill='{ANSWER_LINES[k]}' "
                        f"{HALO}>{target:.0%}</text></g>")
        ends.append((float(shares[T, k]), k, name))
    # the latest shares, labelled at the right edge, spaced so that they do not collide
    last_y = -1e9
    for v, k, name in sorted(ends, key=lambda e: -e[0]):
        ly = max(y(v) + 4 * fs, last_y + 14 * fs)
        last_y = ly
        body.append(f"<text class='share-now share-now-{k}' x='{_f(right + 8)}' y='{_f(ly)}' font-size='{_f(12 * fs)}' "
                    f"font-weight='600' fill='{ANSWER_LINES[k]}' {HALO}>{v:.0%} {escape(name)}</text>")
    body += _ticks(M, start_year, x, bottom, fs)
    body.append(f"<text class='axis-title' x='{_f((left + right) / 2)}' y='{_f(bottom + 31 * fs)}' text-anchor='middle' "
                f"font-size='{_f(11 * fs)}' fill='#424242'>{'year' if start_year is not None else 'months from the start'}</text>")
    lx, ly = left, H - 10
    for k, name in enumerate(CATEGORIES):
        dash = f" stroke-dasharray='{ANSWER_DASH[k]}'" if ANSWER_DASH[k] else ""
        body.append(f"<line x1='{_f(lx)}' y1='{_f(ly - 4 * fs)}' x2='{_f(lx + 24 * fs)}' y2='{_f(ly - 4 * fs)}' "
                    f"stroke='{ANSWER_LINES[k]}' stroke-width='{_f(2.6 * fs)}'{dash}/><text x='{_f(lx + 29 * fs)}' "
                    f"y='{_f(ly)}' font-size='{_f(11 * fs)}' fill='#424242'>{escape(name)}</text>")
        lx += (len(name) * 6.2 + 44) * fs
    body.append(f"<polygon points='{_f(lx + 7 * fs)},{_f(ly - 11 * fs)} {_f(lx + 14 * fs)},{_f(ly - 4 * fs)} "
                f"{_f(lx + 7 * fs)},{_f(ly + 3 * fs)} {_f(lx)},{_f(ly - 4 * fs)}' fill='white' stroke='#424242' "
                f"stroke-width='{_f(2 * fs)}'/><text x='{_f(lx + 20 * fs)}' y='{_f(ly)}' font-size='{_f(11 * fs)}' "
                f"fill='#424242'>the survey's figure (003:267)</text>")
    return _svg(W, H, body, "survey-chart", "survey shares over time")


MONTH_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
