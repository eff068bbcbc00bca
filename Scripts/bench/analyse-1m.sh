#!/usr/bin/env bash
# proef analyse on CLIENTS clients x 4 waves (default 1,000,000: 4,000,000 rows), every standard
# estimator, next to the same work in one statsmodels process (Scripts/bench/analyse_python.py);
# time and peak memory of each from /usr/bin/time -v. Usage: Scripts/bench/analyse-1m.sh [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
CLIENTS=${1:-1000000}
SCRATCH=${PROEF_BENCH_SCRATCH:-.build-bench}
swift build -c release --scratch-path "$SCRATCH" --product proef >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 Scripts/bench/analyse_python.py generate "$DIR/trial.csv" "$CLIENTS"
echo "== $CLIENTS clients x 4 waves: $(($(wc -l < "$DIR/trial.csv") - 1)) rows, $(($(stat -c %s "$DIR/trial.csv") / 1000000)) MB"

# Seconds and peak MB of one command, from GNU time's verbose report.
measure() {
  /usr/bin/time -v -o "$DIR/time.txt" "$@" > "$DIR/out.txt"
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
              /Maximum resident set size/ { kb = $2 } END { printf "%.2f %.0f\n", s, kb / 1024 }' "$DIR/time.txt"
}

total=0; peak=0
run() {
  local name=$1; shift
  read -r secs mb < <(measure "$BIN/proef" analyse "$DIR/trial.csv" --arm-column arm --control control "$@")
  printf "  proef analyse %-52s %7.2f s %6.0f MB\n" "$name" "$secs" "$mb"
  total=$(awk -v a="$total" -v b="$secs" 'BEGIN { print a + b }')
  peak=$(awk -v a="$peak" -v b="$mb" 'BEGIN { print (b > a) ? b : a }')
}
run "blocked: y and work, 2SLS + first stage, survival, checks" --outcome y,work --time days --event exited --method blocked --balance x1
run "difference in means (HC2): y and work" --outcome y,work
run "Lin (1 covariate)" --outcome y --method lin --covariates x1
run "CR2 + Satterthwaite (2,000 clusters)" --outcome y --method cr2
printf "proef analyse, 4 runs: %.1f s, peak memory %.0f MB\n" "$total" "$peak"

/usr/bin/time -v -o "$DIR/time.txt" python3 Scripts/bench/analyse_python.py analyse "$DIR/trial.csv"
awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
            /Maximum resident set size/ { kb = $2 } END { printf "statsmodels (/usr/bin/time): %.1f s, peak memory %.0f MB\n", s, kb / 1024 }' "$DIR/time.txt"
