"""Why 200 runs per arm were too few for the ablation table (validation-plan Addendum 9; a diagnostic,
nothing changed): the full model's P(pushed education reaches mainstreaming) and the paired effects
of cutting each vertical link layer, in blocks of seeds (model/experiments/ablation.py outcomes()).

    .venv/bin/python docs/validation/session10/blocks.py > docs/validation/session10/blocks.txt
"""
import numpy as np

from model.experiments import ablation as ab

LAYERS = [a for a in ab.ARMS if a.group == "layer" and not a.name.startswith("horizontal")]


def main() -> None:
    print("# python docs/validation/session10/blocks.py")
    full = ab.outcomes(1000, base=5000).mainstreaming.to_numpy()
    cuts = {a.name: ab.outcomes(1000, a, 5000).mainstreaming.to_numpy() - full for a in LAYERS}
    print("# seeds 5000-5999 in blocks of 200: full model P(mainstreaming); paired effect of each vertical layer cut")
    for k in range(5):
        s = slice(200 * k, 200 * k + 200)
        effects = ", ".join(f"{name.split(' links')[0]} {d[s].mean():+.3f}" for name, d in cuts.items())
        print(f"seeds {5000 + 200 * k}-{5199 + 200 * k}: full {full[s].mean():.3f}; {effects}")
    pooled = ", ".join(f"{name.split(' links')[0]} {d.mean():+.3f} (90% normal interval +/- "
                       f"{1.645 * d.std(ddof=1) / np.sqrt(len(d)):.3f})" for name, d in cuts.items())
    print(f"seeds 5000-5999 pooled: full {full.mean():.3f}; {pooled}")
    print("# the full model's P(mainstreaming) in blocks of 1000 seeds (binomial SE about 0.016)")
    means = []
    for base in (0, 1000, 2000, 5000, 6000, 7000, 8000, 10000, 20000, 100000):
        m = ab.outcomes(1000, base=base).mainstreaming.mean()
        means.append(m)
        print(f"seeds {base}-{base + 999}: {m:.3f}")
    print(f"sd of the block means {np.std(means, ddof=1):.3f}; seeds 6000-6799 (the 800-run table): "
          f"{ab.outcomes(800, base=6000).mainstreaming.mean():.3f}")


if __name__ == "__main__":
    main()
