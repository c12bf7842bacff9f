"""The workshop app's printable debrief: one A4 page of HTML (print styles), from which headless
chromium prints the PDF (``brief.print_pdf``).

It holds the scenario, the settings changed, the shocks fired and when, the final triangles, the
value curve of the field in focus (with the ensemble's bands when there is one), the phase
timeline, and the A-vs-B table: paired differences with 90% intervals and P(B > A) from
``experiments.compare`` when an ensemble ran, else the single run's numbers with a warning. The
figures are the app's own SVGs, so the page needs nothing from outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np

from ..core.lifecycle import PHASE_NAMES
from ..experiments.compare import ALL_FIELDS, SAME_WITHIN, fmt_diff, fmt_value
from .svg import timeline_svg, triangle_svg, value_curve_svg

CSS = """
@page { size: A4; margin: 9mm; }
* { box-sizing: border-box; }
body { font-family: Roboto, Helvetica, Arial, sans-serif; font-size: 9pt; color: #212121; margin: 0;
       width: 192mm; }
h1 { font-size: 14pt; margin: 0 0 1mm 0; }
h2 { font-size: 10pt; margin: 2.5mm 0 1mm 0; border-bottom: 0.3mm solid #bdbdbd; }
p { margin: 0.5mm 0; }
.meta { color: #555; }
.cols { display: flex; gap: 4mm; }
.cols > div { flex: 1 1 0; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
td, th { padding: 0.4mm 1.2mm; text-align: left; border-bottom: 0.2mm solid #e0e0e0; vertical-align: top; }
ul { margin: 0; padding-left: 4mm; }
.tri { display: flex; gap: 1.5mm; }
.tri > div { flex: 1 1 0; min-width: 0; }
.tri svg { max-height: 26mm; }
.tri-label { font-weight: 600; font-size: 8pt; margin-top: 1mm; }
svg { display: block; width: 100%; height: auto; }
.value svg { max-height: 62mm; }
.timeline svg { max-height: 42mm; }
.warn { color: #7f1d1d; }
@media screen { body { margin: 10mm auto; } }
"""


@dataclass(frozen=True)
class DebriefRun:
    """What the debrief draws of one run (the app's RunView is one, with the scenario's timeline)."""

    label: str
    fields: list[str]
    months: int
    start_year: int | None
    corners: np.ndarray
    flows: np.ndarray
    phase: np.ndarray
    mode: np.ndarray
    public_value: np.ndarray
    phase_hist: np.ndarray
    perf_hist: np.ndarray
    shocks: list[dict]
    transitions: list


@dataclass
class Debrief:
    title: str  # the scenario's name (A's in compare mode)
    description: str
    seed: int
    month_label: str
    runs: list  # DebriefRun-like, A first
    focus: str
    settings: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, scenario's value)
    bands: list[dict] | None = None  # value_curve_svg's bands for the focus field
    ensemble: object | None = None  # model.app.ensemble.EnsembleResult


def _shock_rows(d: Debrief) -> str:
    rows = []
    for r in d.runs:
        for s in r.shocks:
            who = "live (button)" if s["live"] else "scenario"
            run = f" ({escape(r.label.split(':')[0])})" if len(d.runs) > 1 else ""
            rows.append((s["month"], f"<li>month {s['month']}: {escape(s['kind'].replace('_', ' '))} in "
                                     f"{escape(s['field'])}, {who}{run}</li>"))
    rows.sort(key=lambda t: t[0])
    return "<ul>" + "".join(r for _, r in rows[:12]) + (f"<li>... and {len(rows) - 12} more</li>" if len(rows) > 12 else "") \
        + "</ul>" if rows else "<p>No shocks.</p>"


def _settings(d: Debrief) -> str:
    if not d.settings:
        return "<p>The scenario's own settings.</p>"
    return ("<table><tr><th>setting</th><th>here</th><th>scenario</th></tr>"
            + "".join(f"<tr><td>{escape(n)}</td><td><b>{escape(v)}</b></td><td>{escape(o)}</td></tr>"
                      for n, v, o in d.settings) + "</table>")


def _triangles(d: Debrief) -> str:
    out = []
    for r in d.runs:
        if len(d.runs) > 1:
            out.append(f"<div class='tri-label'>{escape(r.label)}</div>")
        out.append("<div class='tri'>" + "".join(
            f"<div>{triangle_svg(f, r.corners[i], r.flows[i], int(r.phase[i]), int(r.mode[i]))}</div>"
            for i, f in enumerate(r.fields)) + "</div>")
    return "".join(out)


def _table(d: Debrief) -> str:
    e = d.ensemble
    a = d.runs[0]
    if len(d.runs) > 1 and e is not None and getattr(e, "table", None) is not None:
        rows = []
        for f in [*a.fields, ALL_FIELDS]:
            r = e.value_row(f)
            if r is None:
                continue
            rows.append(f"<tr><td>{escape(f)}</td><td>{fmt_value(r['a'], False)}</td><td>{fmt_value(r['b'], False)}</td>"
                        f"<td><b>{escape(fmt_diff(r))}</b></td><td>{r['p_b_gt_a']:.0%}</td><td>{r['p_b_lt_a']:.0%}</td></tr>")
        return (f"<p>Public value at month {e.months}, mean of {e.n} paired runs (run i of A and of B share a seed); "
                "B &minus; A with its 90% interval; P(B &gt; A) is the share of pairs where B ends higher "
                f"(by more than {SAME_WITHIN:g} performance-years; closer pairs count as the same).</p>"
                "<table><tr><th>field</th><th>A</th><th>B</th><th>B &minus; A [90% interval]</th><th>P(B&gt;A)</th>"
                "<th>P(B&lt;A)</th></tr>" + "".join(rows) + "</table>")
    if len(d.runs) > 1:
        b = d.runs[1]
        rows = "".join(f"<tr><td>{escape(f)}</td><td>{PHASE_NAMES[int(a.phase[i])]}</td><td>{PHASE_NAMES[int(b.phase[i])]}</td>"
                       f"<td>{a.public_value[i]:+.3f}</td><td>{b.public_value[i]:+.3f}</td>"
                       f"<td><b>{b.public_value[i] - a.public_value[i]:+.3f}</b></td></tr>" for i, f in enumerate(a.fields))
        return ("<p class='warn'>One run of each, at one seed: no interval. Run the ensemble in the app for "
                "the chance that B beats A.</p><table><tr><th>field</th><th>phase A</th><th>phase B</th>"
                "<th>value A</th><th>value B</th><th>B &minus; A</th></tr>" + rows + "</table>")
    if e is not None:
        rb = e.runs[0]
        rows = "".join(f"<tr><td>{escape(f)}</td>" + "".join(f"<td>{rb.p_reach[i, k]:.0%}</td>" for k in range(1, 5)) + "</tr>"
                       for i, f in enumerate(e.fields))
        return (f"<p>Chance of reaching each phase within {e.months} months, over {e.n} runs.</p><table><tr><th>field</th>"
                + "".join(f"<th>{PHASE_NAMES[k]}</th>" for k in range(1, 5)) + "</tr>" + rows + "</table>")
    return ("<p class='warn'>One run at one seed: one possible future among many. Run the ensemble in the app "
            "for the chance of each outcome.</p>")


def render(d: Debrief) -> str:
    a = d.runs[0]
    fi = a.fields.index(d.focus) if d.focus in a.fields else 0
    other = None
    if len(d.runs) > 1:
        b = d.runs[1]
        other = {"label_a": a.label, "label_b": b.label, "phase": b.phase_hist, "performance": b.perf_hist,
                 "transitions": b.transitions}
    value = value_curve_svg(fi, a.fields, a.phase_hist, a.perf_hist, a.shocks, a.transitions, a.months,
                            a.start_year, False, other, d.bands)
    timeline = timeline_svg(a.fields, a.phase_hist, a.shocks, a.transitions, a.months, a.start_year, False,
                            f"Phase timeline{', ' + a.label if len(d.runs) > 1 else ''}")
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Debrief: {escape(d.title)}</title><style>{CSS}</style></head><body class='debrief'>",
        f"<h1>Workshop debrief: {escape(d.title)}</h1>",
        f"<p class='meta'>{escape(d.description)} Seed {d.seed}; stopped at {escape(d.month_label.lower())}."
        + (f" Runs: {' / '.join(escape(r.label) for r in d.runs)}." if len(d.runs) > 1 else "") + "</p>",
        "<div class='cols'><div><h2>Settings changed</h2>", _settings(d),
        "</div><div><h2>Shocks, and when</h2>", _shock_rows(d), "</div></div>",
        "<h2>The triangles at the end</h2>", _triangles(d),
        f"<div class='value'>{value}</div>",
        f"<div class='timeline'>{timeline}</div>",
        "<h2>" + ("A against B" if len(d.runs) > 1 else "How sure is this?") + "</h2>", _table(d),
        "<p class='meta'>innovation-sim workshop app. A model, not a forecast: it shows how the reports' "
        "mechanisms can play out (docs/ODD.md; docs/what_the_model_cannot_say.md).</p>",
        "</body></html>",
    ])
