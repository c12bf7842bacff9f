"""What the workshop's screens show (issue 15), as HTML fragments drawn from a ``Room``.

Pure functions of the room's state, no web framework: the table's screen (its triangle per field,
phase timeline, value curve, budget, levers, what its neighbours have proven), the facilitator's
projector (the whole region, a league table of public value, the timeline of decisions, the
debrief) and the printable summary. The SVG panels are the app's (model/viz/svg.py). Everything is
inline: no external asset, font or script, so the pages work with no network beyond the room's.
"""

from __future__ import annotations

import csv
import io
from html import escape

import numpy as np

from ..core.events import Event
from ..core.lifecycle import PHASE_NAMES
from ..viz.svg import PHASE_COLOURS, PHASE_TEXT, timeline_svg, triangle_svg, value_curve_svg
from .room import BUDGET_CAP, INCOME, LEVERS, START_BUDGET, Room, shock_text

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def when(room: Room, month: int | None = None) -> str:
    m = room.month if month is None else month
    y = room.scenario.start_year
    return f"{MONTHS[m % 12]} {y + m // 12}" if y is not None else f"month {m}"


def round_line(room: Room) -> str:
    s = room.settings
    if room.ended:
        return f"Workshop ended after round {len(room.played)} · {when(room)}"
    if room.finished:
        return f"All {s.rounds} rounds played · {when(room)}"
    return f"Round {room.round} of {s.rounds} · {when(room)} · a round is {s.round_months} months"


def chip(phase: int, text: str | None = None) -> str:
    return (f"<span class='chip' style='background:{PHASE_COLOURS[phase]};color:"
            f"{'white' if phase in (2, 4) else PHASE_TEXT[phase]}'>{escape(text or PHASE_NAMES[phase])}</span>")


def _place_shocks(room: Room, p: int) -> tuple[list[dict], list[Event]]:
    ev = room.region.place_events(p)
    shocks, transitions = [], []
    for row in ev.itertuples(index=False):
        if row.kind.startswith("shock:"):
            shocks.append({"month": int(row.step), "kind": row.kind[6:], "field": row.field, "live": True})
        elif row.kind in ("forward", "backward"):
            transitions.append(Event(int(row.step), row.field, row.kind, row.detail))
    return shocks, transitions


def levers_form(room: Room, name: str) -> str:
    """The levers, with what each does and costs; the table's current choice ticked."""
    levers, _, budget = room.shown_choice(name)
    chosen = {lv["lever"]: lv.get("field") for lv in levers}
    rows = []
    for key, lv in LEVERS.items():
        options = ""
        if lv.needs_field:
            options = (f"<select name='field-{key}' aria-label='field for {escape(lv.label)}'>"
                       + "".join(f"<option{' selected' if chosen.get(key) == f else ''}>{escape(f)}</option>"
                                 for f in room.fields) + "</select>")
        cost = f"{lv.cost} unit{'s' if lv.cost != 1 else ''}" if lv.cost else "free, 1 unit back"
        # The field's select sits outside the label: on a phone a tap on the lever's name opened the
        # select instead of ticking the box (trainer review).
        rows.append(f"<div class='lever' data-lever='{key}' data-cost='{lv.cost}'><label class='pick'><input type='checkbox' name='{key}'"
                    f"{' checked' if key in chosen else ''}> <span><b>{escape(lv.label)}</b> <span class='cost'>{cost}"
                    f"{' · once' if lv.one_off else ''}</span></span></label>{options}<small title='{escape(lv.mechanism)}'>"
                    f"{escape(lv.help)}</small></div>")
    return (f"<form id='levers' data-round='{room.round}' data-budget='{budget}'>{''.join(rows)}"
            f"<p id='units' class='units' aria-live='polite'></p>"
            f"<button type='submit' class='btn submit'>Lock in these choices for round {room.round}</button>"
            f"<span id='choice-msg' role='status'></span></form>")


def table_view(room: Room, name: str) -> dict:
    """Everything a table's screen shows, as HTML fragments."""
    t = room.tables[name]
    p, h = t.place, room.history
    phase = np.stack([x["phase"][p] for x in h])
    perf = np.stack([x["performance"][p] for x in h])
    last = h[-1]
    months = room.settings.rounds * room.settings.round_months
    shocks, transitions = _place_shocks(room, p)
    triangles = "".join(f"<div class='tri'>{triangle_svg(f, last['corners'][p, i], last['flows'][p, i], int(last['phase'][p, i]), int(last['mode'][p, i]))}</div>"
                        for i, f in enumerate(room.fields))
    curves = "".join(f"<div class='curve' data-field='{i}'{'' if i == 0 else ' hidden'}>"
                     f"{value_curve_svg(i, room.fields, phase, perf, shocks, transitions, months, room.scenario.start_year)}</div>"
                     for i in range(len(room.fields)))
    picker = ("<select id='curve-field' aria-label='field of the value curve'>"
              + "".join(f"<option value='{i}'>{escape(f)}</option>" for i, f in enumerate(room.fields)) + "</select>")
    timeline = timeline_svg(room.fields, phase, shocks, transitions, months, room.scenario.start_year,
                            title=f"{name}: every field's phase")
    budget = room.budget.get(name, START_BUDGET)
    status = ("ended" if room.ended else "finished" if room.finished else
              "chosen" if name in room.pending else "open")
    pending, dropped, units = room.shown_choice(name) if not room.finished else ([], [], 0)
    if room.finished:
        note = "The workshop is over: see how your place did against the model below."
    elif name in room.pending:
        note = f"Locked in for round {room.round}: {_levers_text(pending)} (you can change it until the round ends)."
    else:
        note = (f"Not chosen yet for round {room.round}: if you do not choose, you keep "
                f"{_levers_text(pending) if pending else 'no levers'} (one-off levers do not carry over).")
    if dropped:  # trainer review: a carried-over lever went without a reason
        note += (f" {_levers_text(dropped)} no longer {'fits' if len(dropped) == 1 else 'fit'} your budget of "
                 f"{units} unit{'s' if units != 1 else ''}, so {'it is' if len(dropped) == 1 else 'they are'} left out.")
    results = [o for o in room.outcomes if o["table"] == name][-1:]
    last_results = ("<ul>" + "".join(f"<li>{escape(r)}</li>" for r in results[0]["results"]) + "</ul>"
                    if results and results[0]["results"] else "<p class='muted'>No levers pulled last round.</p>"
                    if results else "<p class='muted'>No round played yet.</p>")
    if results:  # what the round did to each field, said in words (trainer review: "trial started" while
        # the field fell back to latent showed only as a small mark on the phase chart)
        rm, rnd = room.settings.round_months, results[0]["round"]
        start, end = (rnd - 1) * rm, min(rnd * rm, len(h) - 1)  # history is month by month from month 0
        if start < end:
            moves = []
            for i, f in enumerate(room.fields):
                path = phase[start:end + 1, i]
                steps = [int(path[0])] + [int(b) for a, b in zip(path[:-1], path[1:]) if b != a]
                if len(steps) > 1:  # every phase it passed through: "latent → design & discovery → latent"
                    moves.append(f"{f}: {' → '.join(PHASE_NAMES[k] for k in steps)}"
                                 + (" (fell back)" if (np.diff(steps) < 0).any() else ""))
            last_results += ("<p class='moves'>Your fields this round: " + escape("; ".join(moves)) + ".</p>"
                             if moves else "<p class='moves muted'>No field changed phase this round.</p>")
    if results:  # a facilitator's shock that hit this table is part of what happened to it (trainer review)
        hit = [e["text"] for e in room.timeline if e["who"] == "facilitator" and e["round"] == results[0]["round"]
               and e.get("target") in ("all", name)]
        last_results += "".join(f"<p class='shock-note'>The facilitator's shock that round: {escape(h)}.</p>" for h in hit)
    pv = room.public_value()
    return {
        "head": (f"<h1>{escape(name)} <span class='muted'>· {escape(room.place_label(p))}</span></h1>"
                 f"<p class='round'>{escape(round_line(room))}</p>"
                 f"<p><span class='budget'>Budget: <b id='budget'>{budget}</b> lever units</span> "
                 f"(+{INCOME} a round, at most {BUDGET_CAP}) · public value so far <b>{_pv(pv[p])}</b> · "
                 f"table PIN for tablemates: <b class='pin'>{escape(t.pin)}</b> · {len(t.tokens)} device(s)</p>"),
        "status": status, "note": note, "round": room.round, "finished": room.finished,
        "form": "" if room.finished else levers_form(room, name),
        "results": last_results,
        "triangles": triangles, "timeline": timeline, "curves": picker + curves,
        "neighbours": neighbours_html(room, p),
        "debrief": debrief_row_html(room, name) if room.finished else "",
    }


def _levers_text(levers: list[dict]) -> str:
    if not levers:
        return "no levers"
    return ", ".join(LEVERS[lv["lever"]].label + (f" ({lv['field']})" if "field" in lv else "") for lv in levers)


def neighbours_html(room: Room, p: int) -> str:
    rows = []
    sharer = room.region.sharer
    for q in room.neighbours(p):
        owner = room.owner(q)
        proven = room.proven(q)
        shown = "shares its ideas" if sharer[q] else "does not share"
        rows.append(f"<li><b>{escape(owner or 'model')}</b> · {escape(room.place_label(q))} ({shown}): "
                    + (", ".join(escape(f) for f in proven) + " proven" if proven else "nothing proven yet") + "</li>")
    offer = room.region.best_shown[p]
    copyable = [f for i, f in enumerate(room.fields) if offer[i] > 0]
    tail = (f"<p>Ideas on show that you could copy: {', '.join(escape(f) for f in copyable)}.</p>" if copyable
            else "<p class='muted'>No peer shows a proven idea you could copy yet.</p>")
    return "<ul class='neighbours'>" + "".join(rows) + "</ul>" + tail


def region_html(room: Room) -> str:
    """The whole region: one row per place, its table, every field's phase, value and budget."""
    pv = room.public_value()
    last = room.history[-1]
    head = "".join(f"<th>{escape(f)}</th>" for f in room.fields)
    rows = []
    for p in range(room.region.n):
        owner = room.owner(p)
        cells = "".join(f"<td>{chip(int(last['phase'][p, i]))}</td>" for i in range(len(room.fields)))
        budget = room.budget.get(owner, START_BUDGET) if owner else ""
        chosen = "✓" if owner in room.pending else ""
        rows.append(f"<tr class='{'table' if owner else 'model'}'><td>{p + 1}</td><td><b>{escape(owner or 'model')}</b> "
                    f"{chosen}</td><td>{escape(str(room.region.kinds[p]).replace('_', ' '))}</td>{cells}"
                    f"<td class='num'>{_pv(pv[p])}</td><td class='num'>{budget}</td></tr>")
    return (f"<table class='region'><tr><th>#</th><th>table</th><th>type</th>{head}<th>public value</th>"
            f"<th>budget</th></tr>{''.join(rows)}</table>")


def pins_html(room: Room) -> str:
    """Each table's PIN, for the facilitator: a table whose every screen was closed cannot read it anywhere else."""
    if not room.tables:
        return "<p class='muted'>No table has joined yet.</p>"
    rows = "".join(f"<tr><td><b>{escape(t.name)}</b></td><td>{escape(room.place_label(t.place))}</td>"
                   f"<td class='pin'>{escape(t.pin)}</td><td class='num'>{len(t.tokens)}</td><td>"
                   + (f"<button class='btn withdraw remove' data-table='{escape(t.name)}'>remove</button>"
                      if room.can_remove(t.name) and not room.finished else "") + "</td></tr>"
                   for t in room.tables.values())
    return (f"<table class='pins'><tr><th>table</th><th>place</th><th>PIN</th><th>devices</th><th></th></tr>{rows}"
            f"</table><p class='muted'>A table can be removed (a misspelt name, say) until its first round is "
            f"played; then its choices are part of the workshop.</p>")


def league_html(room: Room) -> str:
    league = room.league()
    shown = [_pv(r["public_value"]) for r in league]
    # Places level on the value shown share a rank (1, 1, 3): a table ranked below an equal score asked why.
    rank = [shown.index(v) + 1 for v in shown]
    rows = "".join(f"<tr class='{'table' if r['table'] else 'model'}'><td>{rank[k]}</td><td><b>{escape(r['table'] or 'model')}</b>"
                   f"</td><td>{escape(r['label'])}</td><td>{chip(PHASE_NAMES.index(r['lead']))}</td>"
                   f"<td class='num'>{shown[k]}</td></tr>"
                   for k, r in enumerate(league))
    return (f"<table class='league'><tr><th>rank</th><th>table</th><th>place</th><th>leading phase</th>"
            f"<th>public value</th></tr>{rows}</table>")


def timeline_html(room: Room, latest: int = 60, pending_shown: bool = True) -> str:
    """The decisions so far, newest first; with ``pending_shown`` (the facilitator's own page) the shocks
    queued for the end of the round head it, each with a button to withdraw it. The projector screen
    leaves them out: a shock is a surprise until the round ends."""
    items = sorted(room.timeline, key=lambda e: (e["round"], e["who"] != "facilitator"))[-latest:]
    rows = "".join(f"<li><span class='muted'>round {e['round']} · {escape(when(room, e['month']))}</span> "
                   f"<b>{escape(e['who'])}</b>: {escape(e['text'])}</li>" for e in reversed(items))
    pending = "".join(f"<li class='pending'>next: {escape(shock_text(s))} <button class='btn withdraw' "
                      f"data-kind='{escape(s['kind'])}' data-target='{escape(s['target'])}' "
                      f"aria-label='withdraw this shock'>withdraw</button></li>"
                      for s in room.pending_shocks) if pending_shown else ""
    return f"<ul class='timeline-list'>{pending}{rows or '<li class=muted>No decisions yet.</li>'}</ul>"


def _pv(x: float) -> str:
    """Public value to two decimals with its sign, never "-0.00"."""
    return f"{round(x, 2) + 0.0:+.2f}"


def band_svg(row: dict, lo: float, hi: float) -> str:
    """One table's public value (dot) on the model-alone ensemble's 10-90% band and median."""
    W, H = 320, 34

    def x(v):
        return 10 + (W - 20) * (v - lo) / (hi - lo or 1)

    colour = {"beat the model": "#1b7837", "lost to the model": "#c62828"}.get(row["verdict"], "#424242")
    return (f"<svg class='band' viewBox='0 0 {W} {H}' width='{W}' height='{H}' role='img' "
            f"aria-label='{escape(row['table'])}: {escape(row['verdict'])}'>"
            f"<line x1='10' y1='17' x2='{W - 10}' y2='17' stroke='#e0e0e0'/>"
            f"<rect x='{x(row['model_p10']):.1f}' y='9' width='{max(x(row['model_p90']) - x(row['model_p10']), 1):.1f}' "
            f"height='16' fill='#9e9e9e' fill-opacity='0.45'><title>model alone: 10-90% of runs</title></rect>"
            f"<line x1='{x(row['model_median']):.1f}' y1='6' x2='{x(row['model_median']):.1f}' y2='28' stroke='#424242' "
            f"stroke-width='2'><title>model alone: median</title></line>"
            f"<circle cx='{x(row['public_value']):.1f}' cy='17' r='6' fill='{colour}'><title>{escape(row['table'])}: "
            f"{_pv(row['public_value'])}</title></circle></svg>")


def debrief_html(room: Room) -> str:
    d = room.debrief()
    if not d["rows"]:
        return "<p>No table played.</p>"
    vals = [v for r in d["rows"] for v in (r["public_value"], r["model_p10"], r["model_p90"])]
    lo, hi = min(vals), max(vals)
    pad = 0.05 * (hi - lo or 1)
    rows = "".join(
        f"<tr class='verdict-row' data-table='{escape(r['table'])}' data-verdict='{escape(r['verdict'])}'>"
        f"<td><b>{escape(r['table'])}</b></td><td>{escape(r['label'])}</td><td class='num'>{_pv(r['public_value'])}</td>"
        f"<td class='num'>{_pv(r['model_median'])} [{_pv(r['model_p10'])}, {_pv(r['model_p90'])}]</td>"
        f"<td>{band_svg(r, lo - pad, hi + pad)}</td><td class='verdict'>{escape(r['verdict'])}</td></tr>"
        for r in d["rows"])
    return (f"<p>Each table's place after {d['months']} months against {d['runs']} runs of the same region, with the "
            f"same shocks, played by the model alone (grey: the middle 80% of those runs; line: their median; dot: "
            f"the table). Above the band the table <b>beat the model</b>; below it, it <b>lost to the model</b>; a table "
            f"that pulled no lever has no verdict: its place moved with the model and its neighbours.</p>"
            f"<table class='debrief'><tr><th>table</th><th>place</th><th>public value</th><th>model alone: median "
            f"[10%, 90%]</th><th></th><th>verdict</th></tr>{rows}</table>")


def debrief_row_html(room: Room, name: str) -> str:
    d = room.debrief()
    r = next((r for r in d["rows"] if r["table"] == name), None)
    if r is None:
        return ""
    lo = min(r["public_value"], r["model_p10"])
    hi = max(r["public_value"], r["model_p90"])
    pad = 0.1 * (hi - lo or 1)
    return (f"<div class='verdict-row' data-verdict='{escape(r['verdict'])}'><p>Your public value: <b>{_pv(r['public_value'])}</b>; "
            f"the same place played by the model alone ({d['runs']} runs): median {_pv(r['model_median'])}, middle 80% "
            f"{_pv(r['model_p10'])} to {_pv(r['model_p90'])}. <b class='verdict'>You {escape(r['verdict'].replace('within', 'stayed within'))}.</b>"
            f"</p>{band_svg(r, lo - pad, hi + pad)}</div>")


def _cell(v):
    """A text cell a spreadsheet would read as a formula (a table named "=HYPERLINK(...)") gets a
    leading apostrophe: the CSV is opened in Excel or LibreOffice after the workshop."""
    return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def decisions_csv(room: Room) -> str:
    rows = [{k: _cell(v) for k, v in r.items()} for r in room.decisions_rows()]
    out = io.StringIO()
    cols = list(rows[0]) if rows else ["round", "month_start", "table", "place", "levers", "cost", "budget_after",
                                       "results", "public_value_after", "mean_performance_after"]
    w = csv.DictWriter(out, fieldnames=cols)
    w.writeheader()
    w.writerows(rows)
    shocks = [(r["round"], s) for r in room.played for s in r["shocks"]]
    if shocks:  # the facilitator's shocks, as rows of their own
        for rnd, s in shocks:
            w.writerow({"round": rnd, "month_start": (rnd - 1) * room.settings.round_months, "table": "facilitator",
                        "levers": _cell(f"shock: {shock_text(s)}")})
    return out.getvalue()


def summary_page(room: Room) -> str:
    """A printable summary: the debrief, the league table and every table's decisions."""
    per_table = []
    for t in room.tables.values():
        items = "".join(f"<li>round {o['round']}: {escape(_levers_text(o['levers']))}"
                        + (f" — {escape('; '.join(o['results']))}" if o["results"] else "") + "</li>"
                        for o in room.outcomes if o["table"] == t.name)
        per_table.append(f"<h3>{escape(t.name)} · {escape(room.place_label(t.place))}</h3><ul>{items}</ul>")
    body = (f"<h1>Workshop summary: {escape(room.scenario.name)}</h1><p>{escape(round_line(room))} · seed "
            f"{room.settings.seed} · {len(room.tables)} tables · {room.region.n} places</p>"
            f"<button class='noprint' onclick='window.print()'>Print</button>"
            f"<h2>How each table did against the model</h2>{debrief_html(room)}"
            f"<h2>League table of public value</h2>{league_html(room)}"
            f"<h2>Decisions</h2>{''.join(per_table)}"
            f"<h2>Facilitator's shocks</h2><ul>"
            + "".join(f"<li>round {r['round']}: {escape(shock_text(s))}</li>"
                      for r in room.played for s in r["shocks"]) + "</ul>"
            f"<p class='muted'>Public value: performance above each field's starting level, in performance-years, "
            f"summed over fields. Lever costs and budgets are workshop assumptions (docs/ODD.md, Workshop levers).</p>")
    return page("Workshop summary", body, script="")


CSS = """
body{font-family:Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:12px 16px;color:#212121}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1em 0 .3em}.muted{color:#757575}
.chip{display:inline-block;padding:1px 7px;border-radius:9px;font-size:.8em;white-space:nowrap}
.btn{font-size:1em;padding:8px 14px;margin:4px 4px 4px 0;border-radius:6px;border:1px solid #424242;background:#fff;cursor:pointer}
.btn.primary{background:#08519c;color:#fff;border-color:#08519c}.btn.danger{border-color:#c62828;color:#c62828}
.lever{display:block;padding:6px 8px;margin:4px 0;border:1px solid #e0e0e0;border-radius:6px}.lever small{color:#616161;display:block}
.pick{display:flex;align-items:center;gap:10px;min-height:44px;cursor:pointer}.pick input{width:24px;height:24px;flex:none;margin:0}
select,input:not([type=checkbox]){font-size:16px;min-height:40px;padding:4px 8px;box-sizing:border-box;max-width:100%}
.lever select{margin:2px 0 4px 34px}.btn{min-height:44px}.btn:disabled{opacity:.4;cursor:default}
.units{margin:6px 0}.units.over{color:#c62828;font-weight:600}
.btn.withdraw{min-height:32px;padding:2px 8px;font-size:.85em;margin-left:6px}
.chart{overflow-x:auto}@media(max-width:600px){.chart svg{min-width:720px}}
body[data-status=finished] .levers-h,body[data-status=ended] .levers-h{display:none}
.cost{color:#08519c;font-size:.9em}.budget{font-size:1.1em}.pin{letter-spacing:.1em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:8px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:18px}@media(max-width:800px){.cols{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #eee;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}tr.table{background:#f3f8fd}
.code{font-size:2.6em;letter-spacing:.15em;font-weight:700}.join{font-size:1.4em}
.status{padding:6px 10px;border-radius:6px;background:#fff8e1;margin:6px 0}.err{color:#c62828}
#conn{position:fixed;top:6px;right:10px;font-size:.85em;color:#c62828}
.timeline-list{max-height:420px;overflow:auto;padding-left:18px}.pending{color:#c62828}
@media print{.noprint{display:none}body{max-width:none}}
"""


def page(title: str, body: str, script: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width,initial-scale=1'><link rel='icon' href='data:,'>"  # no /favicon.ico 404
            f"<title>{escape(title)}</title><style>{CSS}</style>"
            f"</head><body>{body}<script>{script}</script></body></html>")
