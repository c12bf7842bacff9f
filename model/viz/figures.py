"""PNG figures for the workshop app's download button (matplotlib, drawn only when asked for).

The value curve, triangle and phase timeline come from model/viz/plots.py (the figures `innovation-sim
run` writes); this module adds the network as it stands, with the same layout as the live panel.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
# Titles and labels carry user text (scenario and field names): "$...$" is text, not TeX to parse.
matplotlib.rcParams["text.parse_math"] = False
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from ..core import network as net  # noqa: E402
from .svg import ROLE_COLOURS  # noqa: E402


def network_picture(run) -> dict:
    """What the network figure needs, as plain arrays (picklable: it is drawn in another process)."""
    st = run.model.state
    layout = run.layout
    run.network_svg()  # places any newcomers in the layout
    alive = np.flatnonzero(st.alive)
    xy = np.array([layout.pos[int(i)] for i in alive], dtype=float)
    return {"H": layout.H, "W": layout.W, "LEFT": layout.LEFT, "band": layout.band,
            "layer_ranges": tuple(layout.LAYER_RANGES), "fields": tuple(layout.fields),
            "adjacency": st.adjacency[np.ix_(alive, alive)], "xy": xy,
            "roles": np.array([net.ROLE_NAMES[r] for r in st.role[alive]]), "clique": st.clique[alive].copy(),
            "left": [(ch.role, ch.month, ch.pos) for ch in run.roster if ch.kind == "left" and ch.pos is not None]}


def network_png(pic: dict, title: str) -> bytes:
    """The network as it stands, drawn from ``network_picture``."""
    H = pic["H"]
    fig, ax = plt.subplots(figsize=(10, 6.2))
    for layer, (lo, hi) in enumerate(pic["layer_ranges"]):
        ax.axhspan(H - hi - 8, H - lo + 8, color="#f2f2f2" if layer % 2 == 0 else "#fafafa", zorder=0)
        ax.text(10, H - (lo + hi) / 2, net.LAYERS[layer], fontsize=9, fontweight="bold", va="center")
    sub = pic["adjacency"]
    a, b = np.nonzero(np.triu(sub, 1))
    xy = pic["xy"].copy()
    xy[:, 1] = H - xy[:, 1]
    segs = np.stack([xy[a], xy[b]], axis=1)
    ax.add_collection(LineCollection(segs, linewidths=0.3 + 1.7 * sub[a, b], colors="#616161", alpha=0.3, zorder=1))
    roles, clique = pic["roles"], pic["clique"]
    for role, colour in ROLE_COLOURS.items():
        sel = roles == role
        if sel.any():
            ax.scatter(xy[sel, 0], xy[sel, 1], s=14 if role == "resident" else 30, color=colour,
                       edgecolors=np.where(clique[sel], "black", "white"), linewidths=0.6,
                       label=role.replace("_", " "), zorder=2)
    for role, month, (x, y) in pic["left"]:
        ax.scatter([x], [H - y], marker="x", s=40, color="#9e9e9e", zorder=3)
        ax.annotate(f"{role.replace('_', ' ')} left m{month}", (x, H - y), fontsize=7, color="#757575",
                    xytext=(-4, 6), textcoords="offset points", ha="right")
    for f, name in enumerate(pic["fields"]):
        ax.text(pic["LEFT"] + (f + 0.5) * pic["band"], H - 18, name, ha="center", fontsize=8)
    ax.set_xlim(0, pic["W"])
    ax.set_ylim(H - 410, H)
    ax.axis("off")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=7, fontsize=7, frameon=False)
    ax.set_title(f"{title}: the local innovation system", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def figures_zip(runs: list[dict]) -> bytes:
    """A zip of each run's figures: ``runs`` holds per run its file-name prefix, title, time
    series, events and network picture. Called in a worker process by the app (model/app/draw.py):
    drawing holds the interpreter lock, which would stall the page if done in its process."""
    import tempfile
    import zipfile
    from pathlib import Path

    from .plots import run_figures

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buf, "w") as z:
        for i, r in enumerate(runs):
            for path in run_figures(r["timeseries"], r["events"], Path(tmp) / str(i), r["title"]):
                z.write(path, r["prefix"] + path.name)
            z.writestr(r["prefix"] + "network.png", network_png(r["network"], r["title"]))
    return buf.getvalue()
