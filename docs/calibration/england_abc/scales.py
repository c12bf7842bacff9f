"""The distance's unit for each survey summary by the rule the calibration files state ("one standard
deviation of the survey's sampling error and of one region's seed-to-seed spread"), computed instead
of rounded (England ABC plan, Addendum 14): sqrt(survey_sd^2 + within_sd^2), where survey_sd is the sd
of a share among the respondents (274 of 435 answered, 003:783; the same response rate in every
group) with the finite-population correction, and within_sd is one region's seed-to-seed sd at fixed
settings, measured on the sweep of plan Addendum 12 (24 particles of the eighth run x 16 seeds).

It also prints what criterion 1 could reach at best: if the region's mean shares were known only
from the survey (flat prior), the posterior predictive of a new region would scatter with twice one
region's covariance plus the survey's (normal approximation, 400,000 draws). A region's three shares
sum to 1 while the survey's sum to 0.97 (3% other answers, 003:267; ODD 10.5, session 12), so the
centre is put where the coverage is highest among points whose shares sum to 1 (a grid of 0.0025):
the ceiling an exact posterior could reach, before other summaries narrow it. (The first version of
this script, run for plan Addendum 14, centred the scatter on the survey's own shares, which no region
can have, and gave 85.8%; the correction is recorded in the plan.)
Usage: python docs/calibration/england_abc/scales.py SPREAD_SWEEP_FOLDER"""
import sys

import numpy as np

from model.experiments.sweep import read_runs

RESPONSE = 274 / 435  # 003:783
# summary: (observed share, places in the group); group sizes are England 2006's (Region.survey).
SUMMARIES = {"share_a_great_deal": (0.43, 435), "share_some": (0.52, 435), "share_hardly_any": (0.02, 435),
             "great_deal__fire": (0.57, 47), "great_deal__north_west": (0.63, 51), "great_deal__london": (0.33, 34),
             "great_deal__east_midlands": (0.33, 51), "great_deal__south_west": (0.33, 58)}
K, R = 24, 16


def main(folder: str) -> None:
    runs = read_runs(folder)
    print(f"{'summary':28s} {'survey sd':>9s} {'within sd':>9s} {'scale':>7s}")
    for name, (p, places) in SUMMARIES.items():
        n = places * RESPONSE
        survey = np.sqrt(p * (1 - p) / n * (places - n) / (places - 1))
        within = np.sqrt(runs[name].to_numpy(float).reshape(K, R).var(axis=1, ddof=1).mean())
        print(f"{name:28s} {survey:9.4f} {within:9.4f} {np.hypot(survey, within):7.4f}")
    obs, band = np.array([0.43, 0.52, 0.02]), np.array([0.06, 0.06, 0.03])
    v = runs[list(SUMMARIES)[:3]].to_numpy(float).reshape(K, R, 3)
    resid = (v - v.mean(axis=1, keepdims=True)).reshape(-1, 3)
    region = resid.T @ resid / (K * (R - 1))
    n = 435 * RESPONSE
    survey = (np.diag(obs) - np.outer(obs, obs)) / n * (435 - n) / 434
    z = np.random.default_rng(14).multivariate_normal(np.zeros(3), np.eye(3), size=400_000)
    for label, cov in (("settings known (one region's noise)", region),
                       ("flat prior: 2 x one region's noise + the survey's", 2 * region + survey)):
        d0 = z @ np.linalg.cholesky(cov + 1e-12 * np.eye(3)).T
        naive = (np.abs(obs + d0 - obs) <= band).all(axis=1).mean()
        best, centre, each = 0.0, None, None
        for h in np.arange(0.005, 0.0401, 0.0025):
            for g in np.arange(0.40, 0.5001, 0.0025):
                c = np.array([g, 1 - g - h, h])
                inside = np.abs(c + d0 - obs) <= band
                if inside.all(axis=1).mean() > best:
                    best, centre, each = inside.all(axis=1).mean(), c, inside.mean(axis=0)
        print(f"ceiling, {label}: all three {best:.3f} (each {', '.join(f'{x:.3f}' for x in each)}) at the best "
              f"centre summing to 1 ({', '.join(f'{x:.4f}' for x in centre)}); centred on the survey itself "
              f"(sum 0.97, no region's) {naive:.3f}")

if __name__ == "__main__":
    main(sys.argv[1])
