"""Sequential ABC (ABC-SMC) on the sweep machinery: `innovation-sim calibrate EXPERIMENT`.

The algorithm is the adaptive population Monte Carlo ABC of Lenormand, Jabot & Deffuant (2013,
"Adaptive approximate Bayesian computation for complex models", Computational Statistics
28:2777-2796), as in the R package EasyABC (ABC_sequential, method "Lenormand"):

- generation 0 draws N particles from the prior, runs them and keeps the N_alpha = floor(alpha N)
  closest (distance below epsilon_0, the alpha-quantile of the distances), each with weight 1;
- generation t proposes N - N_alpha new particles: a kept particle picked by weight, moved by a
  Gaussian kernel whose covariance is twice the weighted covariance of the kept particles; a
  proposal outside the prior's box is drawn again (parent and move) from the same generator;
- a new particle's weight is Z_t prior(theta) / sum_j w_j K(theta | theta_j) (w normalised; Z_t the
  share of the kernel mixture inside the prior's box, by Monte Carlo); the kept particles keep theirs; the N_alpha closest of kept + new are kept, epsilon_t being the
  largest distance among them;
- it stops when the share of new proposals closer than epsilon_{t-1} (the acceptance rate) falls
  below p_acc_min, or after max_generations generations (generation 0 included).

Priors are uniform boxes, or log-uniform ones: the kernel works on the log of such a setting, where
its prior is uniform. Drawing parent and move again together (rather than only the move, as
EasyABC does) keeps the proposal density proportional to the kernel mixture inside the box: it is
the mixture / Z_t, hence Z_t in the weight (without it, generation 0's survivors, Z = 1, were
weighted about twelvefold too low against later generations; plan addendum 4).

The distance is Euclidean on (simulated - observed) / scale over the summaries (the mean of the
particle's replicates); a summary that is NaN (a group absent) or a run that raised gives the
particle an infinite distance, recorded in particles.parquet, not fatal.

Determinism and resume. Generation g's proposals are drawn from a numpy Generator seeded with
SeedSequence(seed, spawn_key=(0, g)); its runs are a sweep (model/experiments/sweep.py) in
DIR/gen_XX/ whose seed is drawn from SeedSequence(seed, spawn_key=(1, g)), so particle k's
replicate r runs on a seed that depends on (seed, g, k, r) only, whichever worker runs it. The
state (every particle of every generation: parameters, weight, distance, summaries) is
DIR/particles.parquet, rewritten atomically after each generation; everything else (the kept
population, epsilon, acceptance) is recomputed from it, in the uninterrupted run as in a resumed
one, so a calibration interrupted anywhere (mid-generation: the sweep resumes its missing batches;
between generations) gives results identical to an uninterrupted one. The null model uses the
same seeds (common random numbers).

Why not pyabc or ELFI. pyabc's parallel samplers (its Dask sampler included) use dynamic
scheduling: a generation takes the first particles to be accepted, so which particles make it
depends on worker timing, and its maintainers say a fixed seed is reproducible only with the
single-core sampler (ICB-DCM/pyABC issue 392); its state lives in its own SQL (SQLite) history.
ELFI's Dask client starts its own local cluster, and what it can reuse after a restart is its own
store of simulated batches (ArrayPool); neither writes our sweep folders (Parquet, manifests,
checksums, --scheduler) or implements Lenormand's stopping rule. Both would be a second copy of
the run machinery; this is one module on top of ours.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.special import logsumexp
from scipy.stats import binomtest

from ..io.calibration import Calibration, PriorBox, load_calibration
from ..io.experiment import Experiment, param_spec
from ..io.folders import CALIBRATION_MARKER, write_atomic
from ..io.manifest import version, warn_if_newer
from ..io.scenario import ScenarioError
from ..io.unreadable import why_unreadable
from .sweep import SweepError, SweepStopped, cluster, read_runs, read_sweep, run_sweep

# Spawn-key namespaces under the calibration's seed: each use of randomness has its own streams.
PROPOSALS, RUNS, PREDICTIVE, BOOTSTRAP, INSIDE = 0, 1, 2, 3, 4
INSIDE_DRAWS = 100_000  # Z's Monte Carlo error: about 1% of Z at Z = 0.08
IDENTIFIED = 0.5  # posterior sd / prior sd below this: the data say something about the setting
MAX_ROUNDS = 1000  # kernel draws again for proposals outside the prior's box, at most this often


class CalibrationError(SweepError):
    """A calibration that cannot start, resume or finish; one line."""


def generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def derived_seed(seed: int, *key: int) -> int:
    """A 63-bit seed from (seed, key): a valid --seed and an Experiment's master seed."""
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0] >> np.uint64(1))


class Space:
    """The prior's box in the coordinates where it is uniform (the log of a log-uniform setting)."""

    def __init__(self, prior: list[PriorBox]):
        self.names = [p.name for p in prior]
        self.log = np.array([p.scale == "log" for p in prior], dtype=bool)
        self.low = np.array([p.low for p in prior], dtype=float)
        self.high = np.array([p.high for p in prior], dtype=float)
        self.lo_u, self.hi_u = self.to_u(self.low[None])[0], self.to_u(self.high[None])[0]

    def to_u(self, x: np.ndarray) -> np.ndarray:
        u = np.array(x, dtype=float, copy=True)
        u[:, self.log] = np.log(u[:, self.log])
        return u

    def to_x(self, u: np.ndarray) -> np.ndarray:
        x = np.array(u, dtype=float, copy=True)
        x[:, self.log] = np.exp(x[:, self.log])
        return np.clip(x, self.low, self.high)  # exp(log(high)) may be high + 1 ulp: outside the registry

    def inside(self, u: np.ndarray) -> np.ndarray:
        return ((u >= self.lo_u) & (u <= self.hi_u)).all(axis=1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.lo_u + rng.random((n, len(self.names))) * (self.hi_u - self.lo_u)

    @property
    def log_density(self) -> float:
        return float(-np.log(self.hi_u - self.lo_u).sum())

    @property
    def sd(self) -> np.ndarray:
        return (self.hi_u - self.lo_u) / np.sqrt(12.0)


# ---------------------------------------------------------------------------------------------
# The algorithm's steps: pure functions over arrays.

def kernel_cov(u: np.ndarray, w: np.ndarray, space: Space) -> np.ndarray:
    """Twice the weighted covariance of the kept particles (Lenormand et al. 2013, after Beaumont et
    al. 2009), with a ridge of 1e-10 of the box so that identical particles still give a kernel."""
    cov = np.atleast_2d(np.cov(u, rowvar=False, aweights=w)) if len(u) > 1 else np.zeros((u.shape[1],) * 2)
    if not np.isfinite(cov).all():  # one weight carries (almost) all: the unweighted spread instead
        cov = np.atleast_2d(np.cov(u, rowvar=False))
    return 2.0 * cov + np.diag(1e-10 * (space.hi_u - space.lo_u) ** 2)


def propose(rng: np.random.Generator, space: Space, u_pop: np.ndarray, w: np.ndarray, n: int,
            cov: np.ndarray) -> np.ndarray:
    """n proposals: a parent picked by weight, moved by N(0, cov); those outside the box drawn again."""
    chol = np.linalg.cholesky(cov)
    p = w / w.sum()
    out = np.empty((0, u_pop.shape[1]))
    for _ in range(MAX_ROUNDS):
        need = n - len(out)
        parents = rng.choice(len(u_pop), size=need, p=p)
        cand = u_pop[parents] + rng.standard_normal((need, u_pop.shape[1])) @ chol.T
        out = np.vstack([out, cand[space.inside(cand)]])
        if len(out) == n:
            return out
    raise CalibrationError(f"the kernel put almost no proposal inside the prior's box in {MAX_ROUNDS} rounds; "
                           f"widen the prior")


def inside_share(rng: np.random.Generator, space: Space, u_pop: np.ndarray, w: np.ndarray, cov: np.ndarray,
                 draws: int = INSIDE_DRAWS) -> float:
    """Z: the share of the kernel mixture's mass inside the prior's box, by Monte Carlo. Proposals
    outside the box are drawn again, so the proposal density is the mixture / Z; without Z, particles
    of different generations (the kept population mixes them) would be weighted on different scales."""
    parents = rng.choice(len(u_pop), size=draws, p=w / w.sum())
    cand = u_pop[parents] + rng.standard_normal((draws, u_pop.shape[1])) @ np.linalg.cholesky(cov).T
    return float(space.inside(cand).mean())


def new_weights(space: Space, u_new: np.ndarray, u_pop: np.ndarray, w: np.ndarray, cov: np.ndarray,
                inside: float = 1.0) -> np.ndarray:
    """w_i = Z prior(u_i) / sum_j (w_j / sum w) K(u_i | u_j), K the Gaussian kernel of covariance
    ``cov`` and Z (``inside``) the share of the kernel mixture inside the prior's box."""
    inv = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    log_w = np.log(w / w.sum())
    out = np.empty(len(u_new))
    for a in range(0, len(u_new), 256):  # in blocks: (block x population x dims) stays small
        diff = u_new[a:a + 256, None, :] - u_pop[None, :, :]
        maha = np.einsum("nmd,de,nme->nm", diff, inv, diff)
        log_k = -0.5 * (maha + logdet + u_pop.shape[1] * np.log(2 * np.pi))
        out[a:a + 256] = space.log_density - logsumexp(log_w[None, :] + log_k, axis=1)
    return inside * np.exp(out)


def distances(stats: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Euclidean on (simulated - observed) / scale; a NaN summary gives an infinite distance."""
    d = np.sqrt((((stats - observed) / scale) ** 2).sum(axis=1))
    return np.where(np.isfinite(d), d, np.inf)


def select(generation: np.ndarray, particle: np.ndarray, distance: np.ndarray, n_alpha: int) -> tuple[np.ndarray, float]:
    """(positions of the n_alpha closest, epsilon = the largest distance among them); ties broken by
    generation, then particle, so the choice never depends on row order. A failed particle (infinite
    distance) is never kept, even when fewer than n_alpha succeeded: its parameters carry no evidence."""
    keep = np.lexsort((particle, generation, distance))[:n_alpha]
    keep = keep[np.isfinite(distance[keep])]
    return keep, float(distance[keep[-1]]) if len(keep) else float("inf")


def ess(w: np.ndarray) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2."""
    return float(w.sum() ** 2 / (w ** 2).sum())


@dataclass
class Generation:
    number: int
    epsilon: float
    acceptance: float  # share of its new proposals closer than the previous epsilon (NaN for 0)
    population: np.ndarray  # row positions (in the particles table) of the kept particles
    ess: float
    runs: int
    failed: int  # particles with an infinite distance (a run raised or a summary was NaN)


def replay(table: pd.DataFrame, cal: Calibration) -> list[Generation]:
    """Every generation's kept population, epsilon and acceptance, recomputed from the particles
    table alone (the state on disk): the same in an uninterrupted run and a resumed one."""
    gen, part = table.generation.to_numpy(), table.particle.to_numpy()
    dist, w = table.distance.to_numpy(), table.weight.to_numpy()
    out: list[Generation] = []
    for g in range(int(gen.max()) + 1 if len(gen) else 0):
        new = np.flatnonzero(gen == g)
        if g == 0:
            cand, acc = new, float("nan")
        else:
            cand, acc = np.concatenate([out[-1].population, new]), float(np.mean(dist[new] < out[-1].epsilon))
        keep, eps = select(gen[cand], part[cand], dist[cand], cal.n_alpha)
        pop = cand[keep]
        out.append(Generation(g, eps, acc, pop, ess(w[pop]), len(new) * cal.replicates,
                              int(np.isinf(dist[new]).sum())))
    return out


def stop_reason(gens: list[Generation], cal: Calibration) -> str | None:
    """Why the calibration has stopped after these generations, or None if it goes on."""
    if not gens:
        return None
    last = gens[-1]
    if last.number >= 1 and last.acceptance < cal.p_acc_min:
        return f"acceptance {last.acceptance:.3g} below p_acc_min {cal.p_acc_min:g}"
    if len(gens) >= cal.max_generations:
        return f"max_generations ({cal.max_generations}) reached"
    return None


# ---------------------------------------------------------------------------------------------
# Generations on disk.

def columns(cal: Calibration) -> list[str]:
    return ["generation", "particle", *cal.names, "weight", "distance", *(s.name for s in cal.summaries),
            "error", "nan_summaries"]


# particles.parquet is made again from the generation folders' runs: nothing is re-run.
REBUILD = "remove it and --resume to make it again from the generations' runs"


def read_particles(folder: Path, cal: Calibration) -> pd.DataFrame:
    path = Path(folder) / "particles.parquet"
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("error", "nan_summaries") else float)
                             for c in columns(cal)}).astype({"generation": "int64", "particle": "int64"})
    try:
        df = pq.read_table(path).to_pandas()
    except Exception as e:
        raise CalibrationError(f"{path}: cannot read ({why_unreadable(e, 'Parquet file')}); {REBUILD}") from None
    if list(df.columns) != columns(cal):
        raise CalibrationError(f"{path}: columns differ from the calibration's; {REBUILD}")
    return df


def _schema(cal: Calibration) -> pa.Schema:
    return pa.schema([pa.field(c, pa.int64() if c in ("generation", "particle") else
                               pa.string() if c in ("error", "nan_summaries") else pa.float64())
                      for c in columns(cal)])


def write_particles(folder: Path, cal: Calibration, df: pd.DataFrame) -> None:
    """particles.parquet, atomically: a hidden file renamed over the old one."""
    path = Path(folder) / "particles.parquet"
    tmp = path.with_name(".particles.parquet.tmp")
    pq.write_table(pa.Table.from_pandas(df[columns(cal)], schema=_schema(cal), preserve_index=False), tmp)
    os.replace(tmp, path)


def write_json(path: Path, data: dict) -> None:
    """Atomically; NaN and infinity as null (JSON has neither)."""
    write_atomic(path, json.dumps(_finite(data), indent=2, default=_json_default) + "\n")


def _finite(o):
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, (float, np.floating)) and not np.isfinite(o):
        return None
    return o


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def settings_experiment(cal: Calibration, x: np.ndarray, label: str, seed: int, replicates: int,
                        **raw) -> Experiment:
    """The calibration's settings x (one row per point) as a sweep of its scenario: point k, replicate
    r is run k * replicates + r on a seed of (seed, k, r) alone. ``raw`` (with the calibration and the
    model) identifies it, so a resume must match."""
    return Experiment(
        name=f"{cal.name} [{cal.model}] {label}", description=cal.description, path=cal.path,
        scenario=cal.scenario, replicates=replicates, seed=seed, batch_size=cal.batch_size, method="given",
        names=list(cal.names), bounds=[(p.low, p.high) for p in cal.prior], switch_names=[], switch_events={},
        points=np.asarray(x, float), raw={"calibration": cal.raw, "model": cal.model, **raw})


def generation_experiment(cal: Calibration, g: int, x: np.ndarray) -> Experiment:
    """Generation g's proposals as a sweep: point k = particle k, run k * replicates + r on a seed of
    (calibration seed, g, k, r) alone."""
    return settings_experiment(cal, x, f"generation {g}", derived_seed(cal.seed, RUNS, g), cal.replicates,
                               generation=g)


def particle_summaries(runs: pd.DataFrame, cal: Calibration, n: int) -> pd.DataFrame:
    """Per particle: the mean of each summary over its replicates (NaN if any is NaN), the first error."""
    if len(runs) != n * cal.replicates:
        raise CalibrationError(f"{len(runs)} of {n * cal.replicates} runs found; resume with --resume")
    names = [s.name for s in cal.summaries]
    values = runs[names].to_numpy(float).reshape(n, cal.replicates, len(names)).mean(axis=1)
    out = pd.DataFrame(values, columns=names)
    errors = runs.error.to_numpy(object).reshape(n, cal.replicates)
    out["error"] = [next((e for e in row if e is not None and e == e), None) for row in errors]
    out["nan_summaries"] = [", ".join(k for k, v in zip(names, row) if np.isnan(v)) or None for row in values]
    return out


Simulator = Callable[[int, np.ndarray], pd.DataFrame]


def sweep_simulator(cal: Calibration, folder: Path, client, progress: bool | None) -> Simulator:
    """Runs generation g's proposals x as a sweep in folder/gen_XX (resumed if it is there) with
    this open Dask client."""
    def simulate(g: int, x: np.ndarray) -> pd.DataFrame:
        exp, gen = generation_experiment(cal, g, x), Path(folder) / f"gen_{g:02d}"
        try:
            out = run_sweep(exp, gen, client=client, resume=True, progress=progress)
            return particle_summaries(read_runs(out), cal, len(x))
        except SweepStopped:
            raise
        except SweepError as e:
            raise CalibrationError(_generation_fix(str(e), gen, g)) from None
    return simulate


# The sweep's own advice for a damaged folder (restore it, or run `innovation-sim sweep` again).
_SWEEP_ADVICE = ("restore", "innovation-sim sweep", "run the sweep again")
_FOREIGN = "different experiment definition"  # the sweep's words for a folder of another digest
_CHANGED = "has changed since"  # ... and for one whose experiment resolves otherwise now


def damaged_generations(cal: Calibration, folder: Path) -> list[tuple[int, Path, np.ndarray]]:
    """(g, its folder, its particles' settings) of each finished generation whose folder of runs
    is damaged (a part cut, a checksum lost): the particles still hold its results, but the runs
    behind them could no longer be read or reproduced."""
    table = read_particles(folder, cal)
    if not len(table):
        return []
    out = []
    for g in sorted(int(v) for v in table.generation.unique()):
        gen = Path(folder) / f"gen_{g:02d}"
        if not gen.is_dir():  # removed on purpose (disk space): the particles hold its results
            continue
        try:
            read_sweep(gen)
        except SweepError:
            rows = table[table.generation == g].sort_values("particle")
            out.append((g, gen, rows[cal.names].to_numpy(float)))
    return out


def repair_generations(cal: Calibration, folder: Path, damaged, client, progress: bool | None) -> list[str]:
    """Run the damaged batches of finished generations again (same seeds) and check that they give
    the particles recorded; returns the folders repaired."""
    done = []
    names = [s.name for s in cal.summaries]
    table = read_particles(folder, cal)
    for g, gen, x in damaged:
        try:
            run_sweep(generation_experiment(cal, g, x), gen, client=client, resume=True, progress=progress)
            again = particle_summaries(read_runs(gen), cal, len(x))
        except SweepStopped:
            raise
        except SweepError as e:
            raise CalibrationError(_generation_fix(str(e), gen, g)) from None
        recorded = table[table.generation == g].sort_values("particle")[names].to_numpy(float)
        if not np.array_equal(again[names].to_numpy(float), recorded, equal_nan=True):
            raise CalibrationError(f"{gen}: its runs, made again, do not give the particles recorded in "
                                   f"{Path(folder) / 'particles.parquet'} (other code or packages?); run the "
                                   f"calibration again into another --out")
        done.append(str(gen))
    return done


def _generation_fix(message: str, gen: Path, g: int) -> str:
    """A generation folder's damage, with the calibration's remedy instead of the sweep's: the
    folder is made again from the calibration's seed alone, so nothing else is lost."""
    if not any(a in message for a in (*_SWEEP_ADVICE, _FOREIGN)):  # a full disk, say, is said as it is
        return message
    if _CHANGED in message:  # not damage: the scenario or the code moved under the runs; say so as the sweep does
        return message
    head = message.split("; ")[0]
    what = "were made for another calibration" if _FOREIGN in message else "are damaged"
    return (f"{head}; generation {g}'s runs {what}: remove {gen} and --resume to run them again "
            f"(the same seeds give the same particles)")


def proposals(cal: Calibration, space: Space, table: pd.DataFrame, gens: list[Generation]):
    """(proposals u, their weights) for the next generation, from its own generator."""
    g = len(gens)
    rng = generator(cal.seed, PROPOSALS, g)
    if g == 0:
        return space.sample(rng, cal.population), np.ones(cal.population)
    pop = table.iloc[gens[-1].population]
    u_pop, w = space.to_u(pop[cal.names].to_numpy(float)), pop.weight.to_numpy(float)
    cov = kernel_cov(u_pop, w, space)
    u = propose(rng, space, u_pop, w, cal.population - cal.n_alpha, cov)
    z = inside_share(generator(cal.seed, INSIDE, g), space, u_pop, w, cov)
    return u, new_weights(space, u, u_pop, w, cov, z)


def fit(cal: Calibration, folder: Path, simulate: Simulator,
        report: Callable[[Generation, Calibration], None] | None = None) -> tuple[pd.DataFrame, list[Generation]]:
    """Run generations until the stopping rule holds; each starts from the state on disk."""
    space = Space(cal.prior)
    folder = Path(folder)
    while True:
        table = read_particles(folder, cal)
        gens = replay(table, cal)
        if stop_reason(gens, cal):
            return table, gens
        g = len(gens)
        u, w = proposals(cal, space, table, gens)
        x = space.to_x(u)
        start = time.perf_counter()
        sims = simulate(g, x)
        stats = sims[[s.name for s in cal.summaries]].to_numpy(float)
        rows = pd.DataFrame(x, columns=cal.names)
        rows.insert(0, "particle", np.arange(len(x), dtype=np.int64))
        rows.insert(0, "generation", np.int64(g))
        rows["weight"] = w
        rows["distance"] = observed_distances(stats, cal)
        rows = pd.concat([rows, sims], axis=1)
        if g == 0 and not np.isfinite(rows.distance).any():
            first = next((e for e in rows.error if e), None) or f"NaN summaries: {rows.nan_summaries.iloc[0]}"
            raise CalibrationError(f"every particle of generation 0 failed (first: {first}); see {folder}/gen_00")
        write_particles(folder, cal, pd.concat([table, rows], ignore_index=True) if len(table) else rows)
        _record_time(folder, g, time.perf_counter() - start)
        if report is not None:
            report(replay(read_particles(folder, cal), cal)[-1], cal)


def observed_distances(stats: np.ndarray, cal: Calibration) -> np.ndarray:
    """distances() of simulated summaries (one row per run, in the calibration's order) from its
    observations, in its scales."""
    return distances(stats, np.array([s.observed for s in cal.summaries]), np.array([s.scale for s in cal.summaries]))


def read_times(folder: Path) -> dict[str, float]:
    """Seconds spent on each generation (not part of the results: a resumed run differs)."""
    try:
        return json.loads((Path(folder) / "_timing.json").read_text())
    except (OSError, ValueError):
        return {}


def _record_time(folder: Path, g: int, seconds: float) -> None:
    times = read_times(folder)
    times[str(g)] = times.get(str(g), 0.0) + seconds  # a resumed generation adds its part
    write_json(folder / "_timing.json", times)


# ---------------------------------------------------------------------------------------------
# The output folder.

def _summary_problem(summary) -> str | None:
    """What is wrong with a finished folder's summary.json for reading it back, or None."""
    if not isinstance(summary, dict):
        return "damaged (not a JSON object)"
    for key, kind, what in (("generations", list, "a list"), ("parameters", dict, "an object")):
        if not isinstance(summary.get(key), kind):
            return f"damaged (key '{key}' must be {what})"
    if not all(isinstance(g, dict) for g in summary["generations"]):
        return "damaged (key 'generations' must be a list of objects)"
    return None


# Without its record the folder cannot be shown to be this calibration's, so its generations cannot be
# trusted for a resume; --force would delete them, so it is the last resort, not the advice.
_MARKER_FIX = ("restore it from a copy to keep the generations, or run the calibration into another --out "
               "(--force here deletes every generation in the folder)")


def check_folder(out: Path, cal: Calibration, resume: bool, force: bool, nothing_ok: bool = False) -> str:
    """What the output folder holds, writing nothing: "new", "resume", "finished" or "extend" (the
    generations of a calibration that differs from this one only in its stopping rule or words, to
    go on from: a run that hit its max_generations continued). Refuses a folder that is not a
    calibration's, one that holds a calibration unless resume or force is given, and a resume of
    another calibration's folder."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CalibrationError(f"--out {out}: is a file, not a folder; choose a folder for the results")
    marker = out / CALIBRATION_MARKER
    if not (out.exists() and any(out.iterdir())):
        return "new"
    if not marker.exists():
        raise CalibrationError(f"--out {out}: holds other files (no {CALIBRATION_MARKER}); choose another folder")
    if force:
        _spare_others(out, "--force would delete")
        return "new"
    finished = (out / "summary.json").exists()
    try:
        old = json.loads(marker.read_text())
    except (OSError, ValueError) as e:
        raise CalibrationError(f"{marker}: unreadable ({why_unreadable(e, 'JSON file')}); {_MARKER_FIX}") from None
    if not isinstance(old, dict):
        raise CalibrationError(f"{marker}: not a calibration's record (a JSON object); {_MARKER_FIX}")
    warn_if_newer(out, old.get("version"))
    extends = old.get("digest") != cal.digest() and _fit_digest(old) == cal.fit_digest()
    if extends:  # refused here, with its reason, if --resume could not go on from it either
        _check_extension(out, cal, nothing_ok)
    if not resume:
        what = ("the generations of a calibration this one extends (only max_generations or p_acc_min differ); "
                "add --resume to go on from them, or --force to start again") if extends else \
            "a finished calibration; add --force to run it again" if finished else \
            "an unfinished calibration; add --resume to finish it, or --force to start again"
        raise CalibrationError(f"--out {out}: already holds {what}, or choose another folder")
    if extends:
        _spare_others(out, "going on from its generations would delete")
        return "extend"  # only the stopping rule (or the words) changed: go on from its generations
    if old.get("digest") != cal.digest():
        raise CalibrationError(f"--out {out}: was made by a different calibration (digest {old.get('digest')} != "
                               f"{cal.digest()}); cannot resume (--force starts again; a calibration that "
                               f"differs only in max_generations or p_acc_min can extend it)")
    return "finished" if finished else "resume"


# What a calibration writes in its folder (and --force may delete): anything else is somebody's work.
_WRITTEN = {CALIBRATION_MARKER, "particles.parquet", "_timing.json", "null", "summary.json", "posterior.csv",
            "generations.csv", "coverage.csv", "predictive.csv", "predictive", "model_choice.json", "manifest.json",
            "epsilon.png", "marginals.png", "pairs.png"}


def _written_here(name: str) -> bool:
    return name in _WRITTEN or name.startswith(("gen_", "predictive-", "confirm-", "coverage-")) or \
        (name.startswith(".") and name.endswith(".tmp"))


def _spare_others(out: Path, would: str) -> None:
    """Refuse to empty a calibration folder (and its null model's) that holds files a calibration
    does not write: somebody's notes, or the project's rechecks (recheck-N/, several-GxR/)."""
    others = [f"{prefix}{item.name}{'/' if item.is_dir() else ''}"
              for folder, prefix in ((out, ""), (out / "null", "null/")) if folder.is_dir()
              for item in sorted(folder.iterdir()) if not _written_here(item.name)]
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise CalibrationError(f"--out {out}: {would} files a calibration does not write ({shown}); "
                               f"move them out, or choose another folder")


def _fit_digest(marker: dict) -> str | None:
    """A folder's fit digest: from its marker, or (folders made before markers carried it) from the
    experiment file the marker names, if that file still makes the folder's digest."""
    if marker.get("fit_digest"):
        return marker["fit_digest"]
    try:
        made_by = load_calibration(marker["experiment"])
    except (ScenarioError, KeyError, TypeError):
        return None
    made_by = made_by.null_model() if marker.get("model") == "null" and made_by.null else made_by
    return made_by.fit_digest() if made_by.digest() == marker.get("digest") else None


def _check_extension(out: Path, cal: Calibration, nothing_ok: bool = False) -> None:
    """An extension is exactly a longer run only if that run would have made every generation on
    disk (none beyond its max_generations, none after one whose acceptance is below its p_acc_min),
    would go on from them (unless ``nothing_ok``: a null model whose full model is extended), and no
    generation was left half-run (its sweep is named by the old file)."""
    table = read_particles(out, cal)
    gens = replay(table, cal)
    n = len(gens)
    early = next((gn.number for gn in gens[1:-1] if gn.acceptance < cal.p_acc_min), None)
    if n > cal.max_generations or early is not None:
        raise CalibrationError(f"--out {out}: holds {n} generations, which {cal.path.name} would not have run "
                               f"(max_generations {cal.max_generations}, p_acc_min {cal.p_acc_min:g}"
                               f"{f'; generation {early} is below it' if early is not None else ''}); "
                               f"cannot extend it (--force starts again)")
    reason = stop_reason(gens, cal)
    # Unfinished (no summary.json), it is finished from its generations with no new one: what a file
    # that differs only in its words (name, description) asks of an interrupted calibration.
    if reason and not nothing_ok and (out / "summary.json").exists():
        raise CalibrationError(f"--out {out}: nothing to extend: {cal.path.name} stops after its {n} generations "
                               f"too ({reason})")
    if (out / f"gen_{n:02d}").exists():
        raise CalibrationError(f"--out {out}: generation {n} was left half-run by the calibration that made the "
                               f"folder; finish it with that file and --resume first, then extend")


# An extended folder keeps these (its generations and their sweeps, the null model's folder) and
# loses everything written from its last generation, to write it again.
KEPT_ON_EXTENSION = (CALIBRATION_MARKER, "particles.parquet", "_timing.json", "null")


def claim_folder(out: Path, cal: Calibration, state: str) -> None:
    """Once the cluster answers: empty a folder started again (--force) and mark a new one."""
    out = Path(out)
    if state not in ("new", "extend"):
        return
    extended_from = None
    if state == "extend":  # keep the generations; drop what was written from them (summary first), and say so
        extended_from = json.loads((out / CALIBRATION_MARKER).read_text()).get("digest")
        (out / "summary.json").unlink(missing_ok=True)
        for item in sorted(out.iterdir()):
            if item.name not in KEPT_ON_EXTENSION and not item.name.startswith("gen_"):
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    else:
        for item in out.iterdir() if out.is_dir() else []:  # check_folder made sure it is a calibration's
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    out.mkdir(parents=True, exist_ok=True)
    marker = {"name": cal.name, "model": cal.model, "experiment": str(cal.path.resolve()), "digest": cal.digest(),
              "fit_digest": cal.fit_digest(), "seed": cal.seed, "version": version()}
    if extended_from:
        marker["extended_from"] = extended_from
    write_json(out / CALIBRATION_MARKER, marker)


def calibration_of(folder: Path) -> Calibration:
    """The calibration a folder was made by, from the file its marker names (checked by digest)."""
    marker = Path(folder) / CALIBRATION_MARKER
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        raise CalibrationError(f"{folder}: not a calibration folder (no readable {CALIBRATION_MARKER})") from None
    if isinstance(info, dict):
        warn_if_newer(folder, info.get("version"))
    try:
        cal = load_calibration(info["experiment"])
    except ScenarioError as e:
        raise CalibrationError(f"{folder}: cannot load the calibration it was made by ({e})") from None
    cal = cal.null_model() if info.get("model") == "null" else cal
    if cal.digest() != info.get("digest"):
        raise CalibrationError(f"{folder}: {info['experiment']} has changed since the calibration ran; pass the "
                               f"calibration it was made by")
    return cal


def posterior(folder: Path, cal: Calibration) -> pd.DataFrame:
    """The final population: its particles, with weights normalised to sum to 1."""
    table = read_particles(folder, cal)
    gens = replay(table, cal)
    if not stop_reason(gens, cal):
        raise CalibrationError(f"{folder}: the calibration has not finished; finish it with --resume")
    pop = table.iloc[gens[-1].population].reset_index(drop=True)
    pop["weight"] = pop.weight / pop.weight.sum()
    return pop


def weighted_quantile(values: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """The smallest value whose cumulative normalised weight reaches q (inverted CDF)."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    idx = np.minimum(np.searchsorted(cum, np.atleast_1d(q) - 1e-12), len(values) - 1)
    return values[order][idx]


def parameter_summary(cal: Calibration, pop: pd.DataFrame) -> dict:
    """Per setting: prior box, weighted median, 50% and 90% intervals, contraction, identified."""
    space = Space(cal.prior)
    w = pop.weight.to_numpy(float)
    u = space.to_u(pop[cal.names].to_numpy(float))
    mean = (w[:, None] * u).sum(axis=0) / w.sum()
    sd = np.sqrt((w[:, None] * (u - mean) ** 2).sum(axis=0) / w.sum())
    out = {}
    for j, p in enumerate(cal.prior):
        x = pop[p.name].to_numpy(float)
        spec = param_spec(p.name)
        if spec is not None and spec.kind is int:  # fitted as continuous, run rounded: report what ran
            x = np.rint(x)
        q = weighted_quantile(x, w, [0.05, 0.25, 0.5, 0.75, 0.95])
        ratio = float(sd[j] / space.sd[j])
        num = int if spec is not None and spec.kind is int else float
        out[p.name] = {"prior": {"low": p.low, "high": p.high, "scale": p.scale}, "median": num(q[2]),
                       "ci50": [num(q[1]), num(q[3])], "ci90": [num(q[0]), num(q[4])],
                       "posterior_sd": float(sd[j]), "prior_sd": float(space.sd[j]),
                       "sd_scale": "natural log" if p.scale == "log" else "the setting's own",
                       "contraction": ratio, "identified": bool(ratio < IDENTIFIED)}
    return out


def summarise(cal: Calibration, folder: Path) -> dict:
    """summary.json's content for one fitted model (the full one or the null)."""
    folder = Path(folder)
    table = read_particles(folder, cal)
    gens = replay(table, cal)
    pop = posterior(folder, cal)
    times = read_times(folder)
    return {
        "name": cal.name, "model": cal.model, "experiment": str(cal.path.resolve()), "digest": cal.digest(), "seed": cal.seed,
        "settings": {"population": cal.population, "alpha": cal.alpha, "n_alpha": cal.n_alpha,
                     "p_acc_min": cal.p_acc_min, "max_generations": cal.max_generations, "replicates": cal.replicates},
        "null_constants": cal.null, "null_description": cal.null_description,
        "summaries": {s.name: {"observed": s.observed, "scale": s.scale, "band": s.band, "source": s.source}
                      for s in cal.summaries},
        "parameters": parameter_summary(cal, pop),
        "contraction_note": "posterior sd / prior sd, on the log scale for a log-uniform prior; "
                            f"identified when below {IDENTIFIED}",
        "ess": ess(pop.weight.to_numpy(float)), "stopped": stop_reason(gens, cal),
        "generations": [{"generation": g.number, "epsilon": g.epsilon,
                         "acceptance": None if np.isnan(g.acceptance) else g.acceptance, "ess": g.ess,
                         "runs": g.runs, "failed": g.failed, "wall_seconds": times.get(str(g.number))} for g in gens],
        "runs": int(sum(g.runs for g in gens)), "failed_particles": int(sum(g.failed for g in gens)),
        "wall_seconds": float(sum(times.values())),
    }


def write_outputs(cal: Calibration, folder: Path) -> dict:
    """posterior.csv and generations.csv for a fitted model; returns its summary."""
    pop = posterior(folder, cal)
    pop[["generation", "particle", *cal.names, "weight", "distance", *(s.name for s in cal.summaries)]].to_csv(
        Path(folder) / "posterior.csv", index=False)
    summary = summarise(cal, folder)
    pd.DataFrame(summary["generations"]).to_csv(Path(folder) / "generations.csv", index=False)
    return summary


# ---------------------------------------------------------------------------------------------
# Posterior predictive checks and model choice.

def coverage(runs: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """Per summary, the share of runs within observed +/- band, with its 90% (Wilson) interval; last
    row: within every band at once. The interval shows how far a predictive set's share may be from
    the posterior's own (0.83 and 0.78 of two sets of 160 regions differ by chance: z = 1.1)."""
    rows, joint = [], np.ones(len(runs), dtype=bool)
    for s in cal.summaries:
        v = runs[s.name].to_numpy(float)
        within = np.abs(v - s.observed) <= s.band  # NaN: not within
        joint &= within
        rows.append({"summary": s.name, "observed": s.observed, "band": s.band, "low": s.observed - s.band,
                     "high": s.observed + s.band, "mean": float(np.nanmean(v)) if np.isfinite(v).any() else np.nan,
                     **share_interval(within)})
    rows.append({"summary": "all (jointly)", "observed": np.nan, "band": np.nan, "low": np.nan, "high": np.nan,
                 "mean": np.nan, **share_interval(joint)})
    return pd.DataFrame(rows)


def share_interval(hits: np.ndarray, level: float = 0.9) -> dict:
    """The share of True in ``hits`` and its Wilson interval (``within``, ``within_low``, ``within_high``)."""
    if not len(hits):
        return {"within": np.nan, "within_low": np.nan, "within_high": np.nan}
    ci = binomtest(int(hits.sum()), len(hits)).proportion_ci(confidence_level=level, method="wilson")
    return {"within": float(hits.mean()), "within_low": float(ci.low), "within_high": float(ci.high)}


def predictive_experiment(cal: Calibration, x: np.ndarray, seed: int, n: int) -> Experiment:
    """n runs, one per drawn particle, on seeds of (seed, PREDICTIVE) - never the calibration's runs'."""
    return settings_experiment(cal, x, "posterior predictive", derived_seed(seed, PREDICTIVE, 1), 1,
                               predictive={"n": n, "seed": seed})


def posterior_predictive(result_folder: Path, n: int, seed: int, workers: int | None = None,
                         scheduler: str | None = None, calibration: Calibration | None = None,
                         progress: bool | None = None, client=None,
                         tables: tuple[str, str] = ("predictive.csv", "coverage.csv")) -> pd.DataFrame:
    """Draw n particles from the final weighted population (generator of (seed, PREDICTIVE, 0)) and run
    each once on fresh seeds of (seed, PREDICTIVE, 1), in result_folder/predictive-<seed>-<n>/ (a
    resumable sweep). Returns one row per run: draw, the particle's generation and index, settings,
    summaries, distance, error; writes it and coverage() to ``tables`` (predictive.csv, coverage.csv).
    Runs on ``client`` if given (an open Dask client), else on a local cluster of ``workers`` or ``scheduler``."""
    folder = Path(result_folder)
    cal = calibration or calibration_of(folder)
    pop = posterior(folder, cal)
    pick = generator(seed, PREDICTIVE, 0).choice(len(pop), size=n, p=pop.weight.to_numpy(float))
    x = pop[cal.names].to_numpy(float)[pick]
    exp = predictive_experiment(cal, x, seed, n)
    with nullcontext(client) if client is not None else cluster(workers, scheduler) as c:
        out = run_sweep(exp, folder / f"predictive-{seed}-{n}", client=c, resume=True, progress=progress)
    runs = read_runs(out)
    names = [s.name for s in cal.summaries]
    df = pd.DataFrame({"draw": np.arange(n), "generation": pop.generation.to_numpy()[pick],
                       "particle": pop.particle.to_numpy()[pick]})
    df[cal.names] = x
    df[names] = runs[names].to_numpy(float)
    df["distance"] = observed_distances(df[names].to_numpy(float), cal)
    df["error"] = runs.error.to_numpy(object)
    df.to_csv(folder / tables[0], index=False)
    coverage(df, cal).to_csv(folder / tables[1], index=False)
    return df


def refuse_own_seed(cal: Calibration, seed: int) -> None:
    """A second predictive set on the calibration's own seed would be its first set again."""
    if seed == cal.seed:
        raise CalibrationError(f"--confirm {seed}: that is the calibration's own seed, whose predictive set is the "
                               f"first one; give another seed")


def second_predictive(out: Path, cal: Calibration, n: int, seed: int, workers: int | None = None,
                      scheduler: str | None = None, progress: bool | None = None, client=None) -> pd.DataFrame:
    """A second posterior predictive set of a finished calibration, drawn and run on seeds of ``seed``
    (not the calibration's own): the check of a fit's coverage on regions it was neither fitted to
    nor first judged on. Its runs are in out/predictive-<seed>-<n>/ (resumable), its rows in
    confirm-<seed>-<n>.csv and its coverage in coverage-<seed>-<n>.csv. Returns the coverage table."""
    refuse_own_seed(cal, seed)
    if not (Path(out) / "summary.json").is_file():
        raise CalibrationError(f"--confirm: {out} holds no finished calibration (no summary.json); finish it first "
                               f"(--resume)")
    posterior_predictive(out, n, seed, workers, scheduler, calibration=cal, progress=progress, client=client,
                         tables=(f"confirm-{seed}-{n}.csv", f"coverage-{seed}-{n}.csv"))
    return pd.read_csv(Path(out) / f"coverage-{seed}-{n}.csv")


def second_sets(out: Path) -> list[list[int]]:
    """[seed, runs] of each finished second predictive set in a calibration folder (second_predictive's
    confirm-SEED-N.csv)."""
    sets = []
    for f in sorted(Path(out).glob("confirm-*-*.csv")):
        seed, _, runs = f.stem.removeprefix("confirm-").partition("-")
        if seed.isdigit() and runs.isdigit():
            sets.append([int(seed), int(runs)])
    return sets


def _per_run(df: pd.DataFrame, cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """(distance, within every band at once) of each predictive run."""
    joint = np.ones(len(df), dtype=bool)
    for s in cal.summaries:
        joint &= np.abs(df[s.name].to_numpy(float) - s.observed) <= s.band
    return df.distance.to_numpy(float), joint


def _fit_stats(d: np.ndarray, joint: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean finite distance, joint coverage) of the runs at idx (one resample per row)."""
    finite = np.isfinite(d)
    count = finite[idx].sum(axis=-1)
    total = np.where(finite, d, 0.0)[idx].sum(axis=-1)
    return np.where(count > 0, total / np.maximum(count, 1), np.inf), joint[idx].mean(axis=-1)


def _interval(value: float, samples: np.ndarray) -> dict:
    ok = samples[np.isfinite(samples)]
    lo, hi = np.quantile(ok, [0.05, 0.95]) if len(ok) else (np.nan, np.nan)
    return {"value": float(value), "ci90": [float(lo), float(hi)]}


def model_choice(full: pd.DataFrame, null: pd.DataFrame, cal: Calibration, seed: int, n_boot: int = 2000) -> dict:
    """Full model against the null by posterior predictive fit: mean distance (over runs with a finite
    one) and joint coverage of each, and their differences, with 90% bootstrap intervals. Run i of
    both models has the same seed, so the bootstrap resamples pairs."""
    n = len(full)
    idx = generator(seed, BOOTSTRAP).integers(0, n, (n_boot, n))
    (fd, fj), (nd, nj) = _per_run(full, cal), _per_run(null, cal)
    (f_mean, f_cov), (n_mean, n_cov) = _fit_stats(fd, fj, idx), _fit_stats(nd, nj, idx)
    (f_m0, f_c0), (n_m0, n_c0) = (float(v) for v in _fit_stats(fd, fj, np.arange(n))), \
        (float(v) for v in _fit_stats(nd, nj, np.arange(n)))
    models = {"full": {"mean_distance": _interval(f_m0, f_mean), "joint_coverage": _interval(f_c0, f_cov),
                       "infinite_distance_runs": int(np.isinf(fd).sum())},
              "null": {"mean_distance": _interval(n_m0, n_mean), "joint_coverage": _interval(n_c0, n_cov),
                       "infinite_distance_runs": int(np.isinf(nd).sum())}}
    diff = {"mean_distance": _interval(n_m0 - f_m0, n_mean - f_mean)}
    lo, hi = diff["mean_distance"]["ci90"]
    return {"method": "posterior predictive fit (not Bayes factors)",
            "why": "ABC model choice by Bayes factors is not reliable when the summaries are not sufficient "
                   "(Robert, Cornuet, Marin & Pillai 2011, PNAS 108:15112); the models are compared by how close "
                   "their posterior predictive runs come to the observations",
            "runs": n, "seed": seed, "bootstrap": n_boot, "models": models,
            "null_minus_full": diff,
            "full_minus_null": {"joint_coverage": _interval(f_c0 - n_c0, f_cov - n_cov)},
            "verdict": ("the full model fits better: the null's runs are farther from the observations (90% interval "
                        "of the difference above 0)") if lo > 0 else
                       ("the null fits better: the full model's runs are farther from the observations (90% interval "
                        "of the difference below 0)") if hi < 0 else
                       "no clear difference in predictive fit between the full model and the null"}


# ---------------------------------------------------------------------------------------------
# The whole calibration.

def fit_model(cal: Calibration, folder: Path, client, progress: bool | None = None,
              report: Callable[[Generation, Calibration], None] | None = None) -> dict:
    """Fit one model into folder (resuming what is there) with this open Dask client; its
    posterior.csv, generations.csv and summary."""
    fit(cal, folder, sweep_simulator(cal, folder, client, progress), report)
    return write_outputs(cal, folder)


def _predictive_stale(out: Path, runs: int | None, with_null: bool) -> bool:
    """Whether predictive.csv (or the null's) no longer holds the ``runs`` rows summary.json was made
    from: a `--resume --predictive N` interrupted after writing the full model's left the folder
    contradicting itself, and a later `--resume` called it finished."""
    if not runs:
        return False
    for folder in (out, out / "null") if with_null else (out,):
        try:
            if len(pd.read_csv(folder / "predictive.csv")) != runs:
                return True
        except (OSError, ValueError):  # missing, empty or damaged: made again from its runs
            return True
    return False


def _results_missing(out: Path, cal: Calibration, null: Calibration | None) -> bool:
    """Whether a finished folder's particles.parquet (or its null model's) was removed, or the tables
    written from it (posterior.csv, generations.csv) are gone or damaged: they are written again from
    the particles. A particles.parquet that is there but damaged is refused with the remedy, not
    reported as finished."""
    missing = False
    for folder, c in ((out, cal), (out / "null", null)):
        if c is not None:
            if not (folder / "particles.parquet").exists():
                missing = True
                continue
            final = posterior(folder, c)  # reads (and so checks) particles.parquet, as read_particles does
            missing |= not _table_ok(folder / "posterior.csv", ("weight", *c.names), len(final))
            missing |= not _table_ok(folder / "generations.csv", ("generation", "epsilon"), 1)
    return missing


def _table_ok(path: Path, columns: tuple[str, ...], rows: int) -> bool:
    """A written table is there, readable, with its columns and at least ``rows`` rows."""
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return set(columns) <= set(df.columns) and len(df) >= rows


def calibrate(cal: Calibration, out: Path, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, force: bool = False, predictive: int | None = None,
              progress: bool | None = None, report: Callable[[Generation, Calibration], None] | None = None,
              client=None, confirm: bool = False) -> dict:
    """Fit ``cal`` into ``out`` (and its null model into out/null) on a local Dask cluster of
    ``workers``, the scheduler at ``scheduler``, or an open Dask ``client``; then, with
    ``predictive`` runs (default: the population size when there is a null model), posterior
    predictive checks on fresh seeds of the calibration's seed, and model_choice.json.
    summary.json is written last: a folder that has it is finished, and a resume of it does
    nothing (returns its summary with "already_finished": True) unless predictive checks of
    another size are asked for. Returns the summary."""
    out = Path(out)
    state = check_folder(out, cal, resume, force)
    null = cal.null_model() if cal.null and cal.model == "full" else None
    # The null's folder is judged now, not after the full model's fit; a folder started again
    # (state "new") loses it with everything else.
    null_state = check_folder(out / "null", null, resume=True, force=False, nothing_ok=True) \
        if null is not None and state != "new" else "new"
    # Finished generations whose runs were damaged since (a resume runs those batches again). Not when
    # extending: the earlier generations were made under the other file (their sweeps' digests differ).
    damaged = [] if state in ("new", "extend") else [(cal, out, damaged_generations(cal, out))] + (
        [(null, out / "null", damaged_generations(null, out / "null"))] if null is not None and null_state != "new"
        else [])
    damaged = [(m, f, d) for m, f, d in damaged if d]
    if state == "finished" and confirm:  # --predictive sizes the second set (--confirm): the first stays as it is
        predictive = None
    if state == "finished":
        try:
            summary = json.loads((out / "summary.json").read_text())
            problem = _summary_problem(summary)
        except (OSError, ValueError) as e:
            problem = f"unreadable ({why_unreadable(e, 'JSON file')})"
        if problem:
            raise CalibrationError(f"{out / 'summary.json'}: {problem}; remove it and --resume to write it "
                                   "again") from None
        was = (summary.get("predictive") or {}).get("runs")
        same_predictive = predictive is None or was == predictive
        stale = _predictive_stale(out, was, null is not None)
        if not _results_missing(out, cal, null) and same_predictive and not stale:  # else made again below
            repaired = []
            if damaged:
                with nullcontext(client) if client is not None else cluster(workers, scheduler) as c:
                    repaired = [f for m, folder, d in damaged for f in repair_generations(m, folder, d, c, progress)]
            return {**summary, "already_finished": True, **({"repaired": repaired} if repaired else {})}
        predictive = predictive or was  # a repair keeps the size the summary was made with
    start = time.perf_counter()
    with nullcontext(client) if client is not None else cluster(workers, scheduler) as c:
        claim_folder(out, cal, state)  # only now that the cluster answers: one that cannot start leaves nothing
        for m, folder, d in damaged:
            repair_generations(m, folder, d, c, progress)
        summary = fit_model(cal, out, c, progress, report)
        if null is not None:
            claim_folder(out / "null", null, null_state)
            summary["null"] = fit_model(null, out / "null", c, progress, report)
            write_json(out / "null" / "summary.json", summary["null"])
        n = predictive or (cal.population if null is not None else None)
        if n:
            full = posterior_predictive(out, n, cal.seed, calibration=cal, progress=progress, client=c)
            summary["predictive"] = {"runs": n, "seed": cal.seed, "folder": f"predictive-{cal.seed}-{n}",
                                     "coverage": coverage(full, cal).to_dict(orient="records")}
            if null is not None:
                runs = posterior_predictive(out / "null", n, cal.seed, calibration=null, progress=progress,
                                            client=c)
                summary["model_choice"] = model_choice(full, runs, cal, cal.seed)
                write_json(out / "model_choice.json", summary["model_choice"])
    summary["wall_seconds_this_call"] = time.perf_counter() - start
    write_json(out / "summary.json", summary)
    return summary
