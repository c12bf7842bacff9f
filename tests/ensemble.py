"""Helpers for mechanism tests on fixed-seed ensembles (shared with model.experiments.validation)."""

from model.experiments.validation import FIELD, first_step, intervene_when, push, rate, run, seeds

SEEDS = seeds(200)  # 200 fixed seeds, distinct from those used elsewhere

__all__ = ["FIELD", "SEEDS", "first_step", "intervene_when", "push", "rate", "run"]
