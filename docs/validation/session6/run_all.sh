#!/bin/sh
# Re-measure every number of session 6 that is not in validation.md or ablation.md (run from the repo root).
set -e
d=docs/validation/session6
python $d/anchor.py > $d/anchor.txt
python $d/fresh_seeds.py 1200 > $d/fresh_seeds.txt
python $d/check7_improvement.py > $d/check7_improvement.txt
python $d/bounce.py > $d/bounce.txt
python $d/layers.py > $d/layers.txt
python $d/region_diag.py 3000 3008 > $d/region_3000.txt
python $d/region_diag.py 3100 3140 1 > $d/region_3100.txt
