"""The one-page brief of a what-if comparison (`innovation-sim brief`): a self-contained HTML page
(figures embedded as base64 PNG, styles inline, no external address of any kind) and, through
headless chromium's print, a PDF of at most four A4 pages.

Sections: the question; what differs between the scenarios; headline differences with intervals;
value curves with bands and the chance of reaching each phase; what the model cannot say
(model/io/caveats.py); how to read the numbers; how to reproduce them.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.lifecycle import PHASE_NAMES
from ..experiments.compare import (ALL_FIELDS, CONFIDENCE, SAME_WITHIN, SHORT, Comparison, fmt_points, fmt_share_row,
                                   fmt_value, setting_differences)
from ..io.caveats import Caveats
from .plots import plt, save

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")  # never downloaded: the system's own
CHROMIUM_ENV = "INNOVATION_SIM_CHROMIUM"
MAX_PAGES = 4
MAX_SCENARIOS = 4  # A and up to three what-ifs fit in MAX_PAGES (tests/test_compare.py prints four)
PDF_TIMEOUT_S = 120
COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"]


@dataclass
class Reproduce:
    version: str
    commit: str
    command: str  # this brief
    compare: str  # the same numbers as tables
    seed: int
    replicates: int
    months: int
    generated: str
    settings: tuple[str, ...] = ()  # --set NAME=VALUE, as given: for every scenario of the brief
    replaced: tuple[str, ...] = ()  # what a scenario set itself that a --set replaced


# ----------------------------------------------------------------------------- figures
def _png(fig) -> str:
    buf = io.BytesIO()
    save(fig, buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def difference_figure(c: Comparison) -> str:
    """Per comparison: the paired difference in public value (left) and in the chance of reaching
    each phase (right), per field, with the 90% interval."""
    t = c.table
    others = list(c.scenarios)[1:]
    labels = [*c.fields, ALL_FIELDS]
    fig, axes = plt.subplots(len(others), 2, figsize=(11, 0.5 + 0.42 * len(labels) * len(others) + 0.4 * len(others)),
                             squeeze=False, gridspec_kw={"width_ratios": [1, 1.25]})
    display = c.display()
    phase_colours = ["#fdae6b", "#e6550d", "#6baed6", "#08519c"]
    for row, name in zip(axes, others):
        d = t[t.scenario == name]
        y = np.arange(len(labels))[::-1]
        pv = d[d.outcome == "public_value"].set_index("field").reindex(labels)
        ax = row[0]
        ax.axvline(0, color="grey", lw=0.8)
        ax.errorbar(pv.diff_mean, y, xerr=[pv.diff_mean - pv.ci_low, pv.ci_high - pv.diff_mean], fmt="o",
                    color=COLOURS[0], capsize=3)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel(f"change in public value at month {c.months} (B - A, {CONFIDENCE:.0%} interval)", fontsize=8)
        ax.set_title(f"{display[name]} vs {display[c.baseline]}: public value", fontsize=9)
        ax = row[1]
        ax.axvline(0, color="grey", lw=0.8)
        fields_y = y[1:]
        for j, (k, short) in enumerate(SHORT.items()):
            r = d[d.outcome == f"reach_{short}"].set_index("field").reindex(c.fields)
            off = (1.5 - j) * 0.17
            ax.errorbar(100 * r.diff_mean, fields_y + off, xerr=[100 * (r.diff_mean - r.ci_low), 100 * (r.ci_high - r.diff_mean)],
                        fmt="o", ms=4, color=phase_colours[j], capsize=2, label=PHASE_NAMES[k])
        ax.set_yticks(fields_y, c.fields, fontsize=8)
        ax.set_ylim(y.min() - 0.5, y.max() + 0.5)
        ax.set_xlabel(f"change in the chance of reaching the phase (points, {CONFIDENCE:.0%} interval)", fontsize=8)
        ax.set_title("chance of reaching each phase", fontsize=9)
        ax.legend(fontsize=7, loc="lower right", ncol=2, frameon=False)
    return _png(fig)


def _field_axes(fields, title: str):
    """One small panel per field, three to a row, under ``title``."""
    cols = min(len(fields), 3)
    rows = -(-len(fields) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 2.5 * rows), squeeze=False)
    for ax in axes.flat[len(fields):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    return fig, axes


def value_figure(c: Comparison) -> str:
    """Public value created so far, per field: mean and 5-95% band of runs per scenario; each
    scenario's events on that field as dotted lines in its colour."""
    fields = c.fields
    fig, axes = _field_axes(fields, "Public value created so far: mean (line) and 5-95% of runs (band); "
                                    "dotted: the scenario's events")
    for colour, (name, ts) in zip(COLOURS, c.frames.items()):
        g = ts.groupby(["field", "step"], observed=True).public_value
        mean, lo, hi = g.mean(), g.quantile(0.05), g.quantile(0.95)
        for ax, f in zip(axes.flat, fields):
            x = mean.loc[f].index.to_numpy()
            ax.fill_between(x, lo.loc[f].to_numpy(), hi.loc[f].to_numpy(), color=colour, alpha=0.15, lw=0)
            ax.plot(x, mean.loc[f].to_numpy(), color=colour, lw=1.6, label=c.display()[name])
            for e in c.scenarios[name].events:
                if e.field in (None, f) and e.month <= c.months:
                    ax.axvline(e.month, color=colour, ls=":", lw=1.2)
            ax.set_title(f, fontsize=10)
            ax.set_xlabel("month")
    axes.flat[0].set_ylabel("public value")
    axes.flat[0].legend(fontsize=8)
    return _png(fig)


def phase_figure(c: Comparison) -> str:
    """Chance of having reached design & discovery (solid) and mainstreaming (dashed) by each month."""
    fields = c.fields
    fig, axes = _field_axes(fields, "Chance of having reached design & discovery (solid) and mainstreaming "
                                    "(dashed) by each month")
    for colour, (name, ts) in zip(COLOURS, c.frames.items()):
        best = ts.groupby(["field", "replicate"], observed=True).phase.cummax()
        reached = ts.assign(best=best)
        for ax, f in zip(axes.flat, fields):
            d = reached[reached.field == f]
            for k, style in ((1, "-"), (3, "--")):
                share = d.best.ge(k).groupby(d.step).mean()
                ax.plot(share.index, share.to_numpy(), style, color=colour, lw=1.5,
                        label=c.display()[name] if k == 1 else None)
            ax.set_title(f, fontsize=10)
            ax.set_ylim(0, 1)
            ax.set_xlabel("month")
    axes.flat[0].set_ylabel("share of runs")
    axes.flat[0].legend(fontsize=8)
    return _png(fig)


# ----------------------------------------------------------------------------- HTML
CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.35; color: #222;
       max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 17pt; margin: 0 0 .2rem; } h2 { font-size: 12.5pt; margin: 1rem 0 .3rem; border-bottom: 1px solid #ccc; }
.sub { color: #555; margin: 0 0 .6rem; } .question { font-size: 12pt; font-weight: bold; }
table { border-collapse: collapse; margin: .3rem 0 .5rem; font-size: 8.5pt; width: 100%; }
th, td { border: 1px solid #ccc; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; white-space: nowrap; }
img { max-width: 100%; display: block; margin: .3rem auto; }
ul { margin: .2rem 0; padding-left: 1.2rem; } li { margin: .15rem 0; }
.nodiff { font-weight: bold; } .note { color: #555; font-size: 8.5pt; }
code { font-size: 8.5pt; background: #f4f4f4; padding: 0 2px; word-break: break-all; }
figure, tr, .keep { break-inside: avoid; page-break-inside: avoid; } figure { margin: 0; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
@page { size: A4; margin: 10mm 11mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 8pt; line-height: 1.25; }
  h1 { font-size: 15pt; } h2 { font-size: 11pt; margin-top: .5rem; } table { font-size: 7.6pt; } li { margin: .05rem 0; }
  img.wide { max-height: 55mm; width: auto; } img.diff { max-height: 95mm; width: auto; } }
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _md(x) -> str:
    """Escaped text with Markdown `code` spans as <code> (the docs' bullets use them)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(x))


def _img(data: str, alt: str, cls: str) -> str:
    return f'<figure><img class="{cls}" alt="{_e(alt)}" src="data:image/png;base64,{data}"></figure>'


def default_question(c: Comparison) -> str:
    d = c.display()
    others = [d[n] for n in list(c.scenarios)[1:]]
    what = " or ".join(f"“{o}”" for o in others)
    return (f"What changes for the locality's services over {c.months} months with {what}, "
            f"compared with “{d[c.baseline]}”?")


def _sets(repro: Reproduce) -> str:
    """The --set values the command gave, which hold for every scenario (a brief used to show them
    only in its command line, though they can cancel the very change a scenario makes)."""
    if not repro.settings:
        return ""
    text = ("<p><b>Changed for every scenario of this brief</b> (<code>--set</code>): "
            + ", ".join(f"<code>{_e(x)}</code>" for x in repro.settings) + ".")
    if repro.replaced:
        text += (" This replaces what a scenario sets itself: " + "; ".join(_e(x) for x in repro.replaced)
                 + ", which therefore does not act in this brief.")
    return text + "</p>"


def _differs(c: Comparison) -> str:
    rows = setting_differences(c.scenarios)
    d = c.display()
    names = list(c.scenarios)
    if not rows:
        return ('<p class="nodiff">Nothing differs: every setting and event is the same in all the scenarios, '
                'so they are the same model (and give no difference).</p>')
    head = "".join(f"<th>{_e(d[n])}</th>" for n in names)
    body = "".join(f"<tr><td><b>{_e(r['what'])}</b>{(' – ' + _e(r['meaning'])) if r['meaning'] else ''}</td>"
                   + "".join(f"<td>{_e(r['values'][n])}</td>" for n in names) + "</tr>" for r in rows)
    return (f"<p>Only what differs is listed; everything else (the other settings of "
            f"<code>innovation-sim params</code>) is the same.</p><table><thead><tr><th>setting or event</th>{head}</tr></thead>{body}</table>")


def _headline(c: Comparison) -> str:
    out = []
    d = c.display()
    for name in list(c.scenarios)[1:]:
        s = c.sentences[name]
        out.append(f"<h3 style='font-size:10.5pt;margin:.4rem 0 .2rem'>{_e(d[name])} (B) compared with "
                   f"{_e(d[c.baseline])} (A)</h3><ul>")
        out += [f"<li>{_e(s[f])}</li>" for f in [ALL_FIELDS, *c.fields]]
        out.append("</ul>")
        out.append(_headline_table(c, name))
    return "".join(out)


def _headline_table(c: Comparison, name: str) -> str:
    t = c.table[c.table.scenario == name].set_index(["field", "outcome"])
    head = ("<thead><tr><th rowspan=2>field</th><th colspan=3>public value at the end</th>"
            "<th colspan=4>change in the chance of reaching (points, 90% interval)</th></tr><tr>"
            "<th>B − A (90% interval)</th><th>P(B&gt;A)</th><th>P(B&lt;A)</th>"
            + "".join(f"<th>{_e(PHASE_NAMES[k])}</th>" for k in SHORT) + "</tr></thead>")
    rows = []
    for f in [*c.fields, ALL_FIELDS]:
        pv = t.loc[(f, "public_value")]
        cells = [f"<td>{_e(f)}</td>",
                 f"<td class=num>{_e(fmt_value(pv.diff_mean))} [{_e(fmt_value(pv.ci_low))}, {_e(fmt_value(pv.ci_high))}]</td>",
                 f"<td class=num>{pv.p_b_gt_a:.0%}</td><td class=num>{pv.p_b_lt_a:.0%}</td>"]
        for short in SHORT.values():
            if (f, f"reach_{short}") in t.index:
                r = t.loc[(f, f"reach_{short}")]
                cells.append(f"<td class=num>{fmt_points(r.diff_mean)} [{fmt_points(r.ci_low)}, {fmt_points(r.ci_high)}]</td>")
            else:
                cells.append("<td></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _phase_table(c: Comparison) -> str:
    d = c.display()
    names = list(c.scenarios)
    head = "<thead><tr><th>field</th>" + "".join(f"<th>{_e(PHASE_NAMES[k])}</th>" for k in SHORT) + "</tr></thead>"
    rows = []
    for f in c.fields:
        cells = []
        for k in SHORT:
            p = [c.summaries[n]["fields"][f]["p_reach"][PHASE_NAMES[k]] for n in names]
            cells.append("<td class=num>" + " → ".join(fmt_share_row(*p)) + "</td>")
        rows.append(f"<tr><td>{_e(f)}</td>{''.join(cells)}</tr>")
    order = " → ".join(_e(d[n]) for n in names)
    return (f"<p>Chance of reaching each phase within {c.months} months ({order}):</p>"
            f"<table>{head}{''.join(rows)}</table>")


def _cannot_say(cv: Caveats) -> str:
    items = [f"<li>{_md(x)}</li>" for x in cv.limits]
    if cv.settings:
        items.append(f"<li>Of the model's {cv.settings} settings, {cv.assumed_settings} have values (or sizes) "
                     f"chosen by the modellers rather than measured in the sources"
                     + (f", and {cv.assumptions} of the rules in its description (docs/ODD.md) are marked as "
                        f"assumptions" if cv.assumptions is not None else "") + ".</li>")
    if cv.checks:
        agree = sum(ch.result == "pass" for ch in cv.checks)
        text = (f"Validation: the model has been checked against {len(cv.checks)} claims of its source reports; "
                f"{agree} agree as last measured")
        bad = cv.disagreements()
        if bad:
            text += "; it does not reproduce: " + "; ".join(f"“{_e(ch.claim)}” (check {_e(ch.id)}: {_e(ch.result)})"
                                                            for ch in bad)
            text += ". Where the model and its sources disagree, do not lean on the brief for that question (docs/ODD.md section 8 explains each)"
        items.append(f"<li>{text}. <span class=note>Source: docs/validation.md ({_md(cv.report or '')})</span></li>")
    elif "docs/validation.md" not in cv.missing:
        items.append("<li>Validation: docs/validation.md was found but holds no table of checks this version can "
                     "read; see it, and docs/ODD.md section 8, for what the model has been checked against.</li>")
    if cv.stale:
        items.append(f"<li><b>Note:</b> {_md(cv.stale)}.</li>")
    if cv.missing:
        items.append(f"<li>Not found next to this installation: {_e(', '.join(cv.missing))}; see the project's "
                     f"documentation for what the model assumes and how it has been checked.</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _how_to_read(c: Comparison) -> str:
    return f"""<ul>
<li><b>Paired runs.</b> Each scenario ran {c.replicates} times; run <i>i</i> of every scenario used the same random
seed, so the two runs of a pair differ only by what the scenarios change. B − A is worked out pair by pair.</li>
<li><b>The {CONFIDENCE:.0%} interval</b> (in brackets) is the range in which the average difference would
fall {CONFIDENCE:.0%} of the time if the whole set of runs were repeated (percentile bootstrap over the pairs). If it
includes 0, the model cannot tell the scenarios apart with this many runs; more runs narrow it.</li>
<li><b>P(B&gt;A)</b> is the share of paired runs in which B came out above A; P(B&lt;A) below; in the rest the two
are within {SAME_WITHIN:g} performance-years of each other (ties are shown apart, not split). A P(B&gt;A) of 70% means B did better in 7 of 10 futures, not that it is
70% likely to be better on average.</li>
<li><b>Public value</b> is performance-years above the starting level, summed over the run; a chance is the share
of runs reaching the phase within {c.months} months.</li></ul>"""


def _reproduce(r: Reproduce) -> str:
    return f"""<table>
<tr><td>innovation-sim version</td><td>{_e(r.version)}</td></tr>
<tr><td>code (git commit)</td><td><code>{_e(r.commit)}</code></td></tr>
<tr><td>runs</td><td>{r.replicates} paired runs per scenario, {r.months} months, master seed {r.seed}</td></tr>
<tr><td>this brief</td><td><code>{_e(r.command)}</code></td></tr>
<tr><td>the numbers as tables (comparison.csv, summary.json)</td>
<td><code>{_e(r.compare)}</code></td></tr>
<tr><td>generated</td><td>{_e(r.generated)}</td></tr></table>
<p class=note>The same version, commit, scenarios, seed and number of runs give exactly the same numbers.</p>"""


def render(c: Comparison, question: str | None, caveats: Caveats, repro: Reproduce) -> str:
    """The brief as one HTML document; nothing in it points outside the page."""
    d = c.display()
    names = list(c.scenarios)
    scen = "".join(f"<li><b>{_e(d[n])}</b> ({'A, the reference' if i == 0 else 'B' if len(names) == 2 else f'B{i}'}; "
                   f"<code>{_e(n)}</code>): {_e(s.description.strip().splitlines()[0])}</li>"
                   for i, (n, s) in enumerate(c.scenarios.items()))
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e('Brief: ' + ' vs '.join(d[n] for n in names))}</title>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>What if? {_e(' vs '.join(d[n] for n in names))}</h1>",
        f"<p class=sub>innovation-sim brief · {c.replicates} paired runs per scenario × {c.months} months · {_e(repro.generated)}</p>",
        f"<h2>1. The question</h2><p class=question>{_e(question or default_question(c))}</p><ul>{scen}</ul>",
        f"<h2>2. What differs between the scenarios</h2>{_differs(c)}{_sets(repro)}",
        f"<h2>3. Headline differences (B − A, {CONFIDENCE:.0%} interval)</h2>{_headline(c)}",
        _img(difference_figure(c), "paired differences with intervals", "diff"),
        "<h2>4. Value curves and the chance of reaching each phase</h2>",
        _img(value_figure(c), "public value curves with 5-95% bands", "wide"),
        _img(phase_figure(c), "chance of reaching design and mainstreaming by month", "wide"),
        _phase_table(c),
        f"<h2>5. What the model cannot say</h2>{_cannot_say(caveats)}",
        f"<h2>6. How to read the numbers</h2>{_how_to_read(c)}",
        f"<h2>7. How to reproduce</h2>{_reproduce(repro)}",
        "</body></html>",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- PDF
def chromium() -> str | None:
    """Debian's chromium, or the one INNOVATION_SIM_CHROMIUM names (None if not there)."""
    chosen = os.environ.get(CHROMIUM_ENV)
    for c in ([chosen] if chosen else CHROMIUM):
        path = c if os.path.isabs(c) else shutil.which(c)
        if path and os.access(path, os.X_OK):
            return path
    return None


def count_pages(pdf: bytes) -> int:
    """Pages of a PDF as chromium writes it (page objects, not the /Pages tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def print_pdf(html_path: Path, pdf_path: Path) -> tuple[bool, str]:
    """Print ``html_path`` to ``pdf_path`` with headless chromium (its print CSS: A4). Returns
    (done, a one-line message). Chromium gets a throw-away profile and no network: the page has
    nothing to fetch, and background services are switched off."""
    exe = chromium()
    if exe is None:
        where = os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium"
        return False, f"PDF skipped: chromium not found at {where} (on Debian: apt-get install chromium)"
    # ignore_cleanup_errors: interrupted, chromium may still be writing its profile as it is removed
    with tempfile.TemporaryDirectory(prefix="innovation-sim-chromium-", ignore_cleanup_errors=True) as profile:
        tmp = pdf_path.with_name(f".{pdf_path.name}.partial")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--no-pdf-header-footer", "--print-to-pdf-no-header",
               f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_path.resolve().as_uri()]
        start = time.perf_counter()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S,
                               env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            return False, f"PDF skipped: chromium did not finish within {PDF_TIMEOUT_S} s"
        except OSError as e:
            return False, f"PDF skipped: chromium could not start ({e.strerror or e})"
        except BaseException:  # interrupted: no half-printed PDF left beside the brief
            tmp.unlink(missing_ok=True)
            raise
        if r.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tmp.unlink(missing_ok=True)
            last = next((line for line in reversed(r.stderr.splitlines()) if line.strip()), "no message")
            return False, f"PDF skipped: chromium failed (exit {r.returncode}: {last[:160]})"
        os.replace(tmp, pdf_path)
    pages = count_pages(pdf_path.read_bytes())
    note = "" if pages <= MAX_PAGES else f" (more than {MAX_PAGES}: fewer scenarios or fields fit better)"
    return True, f"{pdf_path} ({pages} A4 pages{note}, {time.perf_counter() - start:.0f} s)"


def write(c: Comparison, out: Path, question: str | None, caveats: Caveats, repro: Reproduce,
          pdf: bool = True) -> tuple[Path, str | None]:
    """Write the HTML (atomically) and, unless ``pdf`` is False, the PDF beside it (same name,
    .pdf). Returns the HTML path and the PDF's one-line message (None if not asked)."""
    page = render(c, question, caveats, repro)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    if not pdf:
        return out, None
    return out, print_pdf(out, out.with_suffix(".pdf"))[1]
