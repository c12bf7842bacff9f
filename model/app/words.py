"""Plain words for the workshop app: the "How to read this" panel and what each live shock means.

Every statement cites the seed reports as docs/ODD.md does (`file:line`): 000 = Young Foundation /
NESTA interim report (2007), 003 = Audit Commission, *Seeing the light* (2007), 004 = NESTA /
Young Foundation, *Transformers* (2008).
"""

from __future__ import annotations

from ..experiments.compare import SAME_WITHIN

# kind -> what it does, in a workshop's words (docs/ODD.md 7.12)
SHOCK_MEANINGS: dict[str, str] = {
    "underperformance": "a critical inspection: the field is told it is failing, which raises the "
                        "pressure to change and the recognition that it must (003:58, 298; 004:585-591)",
    "leader_departure": "a leader leaves, and every link they held goes with them (000:475; 004:494-498)",
    "leader_arrival": "a new leader arrives with fresh drive and links to the senior team; the "
                      "incumbent leaves (000:1287)",
    "funding_start": "a grant starts: more resources for the field (003:641)",
    "funding_end": "the grant ends: the resources it paid for go (003:641)",
    "election": "an election: the political leader may be replaced by one with a different drive (000:1430)",
    "crisis": "a crisis: performance drops and everyone sees the problem; pressure from members and "
              "the community rises for a year (an assumption of the model)",
}

def internal_error(e: BaseException) -> str:
    """What the page says of an error inside the model or the app (not in the user's settings, which
    are refused in their own words): plain words, not Python's class name. The log keeps the details."""
    if isinstance(e, MemoryError):
        return "the computer ran out of memory; try fewer runs or a shorter run"
    return ("an error inside the model, not in your settings (the details are in the log of the "
            "terminal that started the app; please report it with the scenario and seed)")


ROLE_WORDS = {"chief_executive": "the chief executive", "political_leader": "the political leader",
              "director": "the director"}


def shock_message(label: str, kind: str, where: str, when: str, role: str | None, detail: str) -> str:
    """One sentence for the page after a shock button, without internal names."""
    who = ROLE_WORDS.get(role or "", "")
    if kind == "leader_departure":
        what = f"{who} leaves" if "left" in detail else f"there was no {who.removeprefix('the ')} in post to leave"
    elif kind == "leader_arrival":
        what = f"a new {who.removeprefix('the ')} arrives and the previous one leaves"
    elif kind == "election":
        what = ("the political leader is replaced" if "replaced" in detail else "the political leader is re-elected")
    else:
        what = SHOCK_MEANINGS.get(kind, kind.replace("_", " ")).split(" (")[0]
    scope = "every field" if where in ("all", "all fields") else where
    return f"{label} in {scope} at {when}: {what}."


HOW_TO_READ = """
<h3>The five phases (004:29-30, 105-218)</h3>
<p>Each service field moves through <b>latent</b> (business as usual), <b>design &amp; discovery</b>
(many small trials, most of which fail), <b>mobilisation</b> (the one that works is scaled up),
<b>mainstreaming</b> (it becomes how the service is run) and <b>embedding</b> (finance, staff and
systems are aligned with it). "At each point of transition the process may go into reverse"
(004:29-30): a red triangle marks a field falling back a phase.</p>
<h3>The strategic triangle (004:95-99)</h3>
<p>Every field needs three things at once, after Mark Moore: <b>authority</b> (A: leaders and
politicians who back the change), organisational <b>capacity</b> (C: managers and teams who can
do it) and <b>value</b> (V: the public sees a better service). The circles grow with each; the
arrows are what flows between them; a dotted arrow is a weak link. Each phase needs a different
balance: authority matters most in design, capacity in mainstreaming (004:105-218).</p>
<h3>The value curve (004:230-263, Figure 4)</h3>
<p>Performance of the field in focus, 0 to 1, month by month, on the colour of its phase. The
dashed vertical line is the trigger point, where the field left latent. "Every success looks like
a failure in the middle" (004:42-43): performance often dips before it rises. Public value is
performance above the starting level (the dashed horizontal line), summed over the months.</p>
<h3>One run, or many</h3>
<p>One run is one possible future. <b>Run N times</b> plays the same settings with N different
random seeds: the shaded bands hold the middle 50% and 90% of those futures and the dotted line
is the median; the bars give the chance of reaching each phase. In compare mode, run i of A and
run i of B share their seed, so P(B beats A) is the share of those pairs in which B ends with
more public value (by more than """ + f"{SAME_WITHIN:g}" + """ performance-years; closer pairs count as the same).</p>
<h3>The shock buttons (docs/ODD.md 7.12)</h3>
<ul>
""" + "".join(f"<li><b>{k.replace('_', ' ')}</b>: {v}.</li>" for k, v in SHOCK_MEANINGS.items()) + """
</ul>
<h3>A region (England 2006, Region of 60 places)</h3>
<p>The region view shows a survey's population of councils and fire authorities (003:781), one cell
per place in rows by English region (circles are fire authorities). Each is coloured by the answer it
would give the Audit Commission's 2006 survey (003:267): <i>hardly any</i> innovation while every
field is latent, <i>some</i> while its leading field is in design, <i>a great deal</i> once one is
mobilised or further; or, with the toggle, by the phase of its leading field. Places learn from
peers in their region and of their own type (003:344, 672). The chart gives the share of places
giving each answer month by month, with the survey's own figures (43% a great deal, 52% some, 2%
hardly any) as diamonds at its month, June 2006; the table beside it compares groups (003:284).
The shock buttons then act on the places chosen under "Places": all, the councils, the fire
authorities or one English region.</p>
"""
