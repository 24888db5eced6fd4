#!/bin/sh
# Do threads that share no rows scale better than fastw2v's threads? Needs a tree with
# private_models.patch applied and rebuilt (see docs/performance.md); run from its root:
#   sh benchmarks/diagnostics/private_models.sh CORPUS [REPEATS] [MODES]
# Each repeat runs, per mode, 1 worker, 2 workers (shared rows) and 2 workers with private
# copies of syn0 and syn1neg, in that order, and prints raw words/s of each.
set -eu
corpus=${1:?usage: private_models.sh CORPUS [REPEATS] [MODES]}
repeats=${2:-5}
modes=${3:-cbow-ns-file sg-ns-file}
python=${PYTHON:-.venv/bin/python}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
speed() {  # workers, mode: raw words/s of one trial
    "$python" -m benchmarks.trial "{\"impl\": \"fastw2v\", \"mode\": \"$2\", \"workers\": $1,
        \"epochs\": 1, \"corpus\": \"$corpus\", \"score\": false}" "$out"
    "$python" -c "import json, sys; print('%.2fM' % (json.load(open(sys.argv[1]))['words_per_second'] / 1e6))" "$out"
}
for r in $(seq "$repeats"); do
    for mode in $modes; do
        one=$(speed 1 "$mode")
        shared=$(speed 2 "$mode")
        private=$(FW_DIAG_PRIVATE=3 speed 2 "$mode")
        echo "run $r $mode: 1 worker $one, 2 workers $shared, 2 workers private $private"
    done
done
