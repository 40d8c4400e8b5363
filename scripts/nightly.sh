#!/usr/bin/env bash
# A nightly benchmark job: runs every item of a suite (configs/suites/*.yaml), writes each result
# file, records it in the suite's history, then runs `epochcost history check`.
#   scripts/nightly.sh SUITE.yaml
# Exit status: 0 no regression; 1 regression found (the check's Markdown summary says which);
# 2 bad suite (a run's config or --set values included: nothing runs then); 130/143 interrupted,
# by SIGINT or SIGTERM to the job's process group or to this script alone (the run in progress
# stops and records nothing, unless it was already recording its finished measurement; the later
# ones are not started); otherwise the exit status of the
# first run that failed (2 a run's bad input the up-front check cannot see, such as a missing
# device; 3 out of memory; 4 failure; 137 a run killed, by the OOM killer for one; the later runs
# still go). Ready for cron or a CI job; the summary, the
# trend (CSV) and its plot (SVG, when gnuplot is installed) are also written next to the results.
# The check judges only the series this job measured (history check --series-of).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
suite=${1:-}
[[ -n $suite && -f $suite ]] ||
  { echo "usage: scripts/nightly.sh SUITE.yaml ('$suite' is $([[ -e $suite ]] && echo "not a file" || echo "no such file"))" >&2; exit 2; }

# The suite without CR line ends and without comments: a '#' that starts a word, as in YAML, even
# inside quotes (write --set 'name=run#2', not 'name=run #2').
text=$(tr -d '\r' <"$suite" | sed 's/\(^\|[[:space:]]\)#.*//')
# A top-level key's value, without the quotes YAML allows around it.
value() {
  sed -n "s/^$1:[[:space:]]*//p" <<<"$text" | sed 's/[[:space:]]*$//' | head -n 1 |
    sed "s/^\"\(.*\)\"\$/\1/; s/^'\(.*\)'\$/\1/"
}
history=$(value history)
results=$(value results)
threshold=$(value threshold_pct)
window=$(value window)
[[ -n $history && -n $results ]] || { echo "$suite: needs history: and results:" >&2; exit 2; }
# Checked before anything runs: a bad threshold would otherwise surface after a night of runs.
[[ -z $threshold || $threshold =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] ||
  { echo "$suite: threshold_pct: must be a number ≥ 0 (percent, without %), got '$threshold'" >&2; exit 2; }
[[ -z $window || $window =~ ^[1-9][0-9]*$ ]] ||
  { echo "$suite: window: must be a whole number ≥ 1, got '$window'" >&2; exit 2; }
mapfile -t runs < <(sed -n 's/^[[:space:]]*-[[:space:]]\+//p' <<<"$text" | sed 's/[[:space:]]*$//')
((${#runs[@]})) || { echo "$suite: no runs (list items under runs:)" >&2; exit 2; }
declare -a argv_of
for i in "${!runs[@]}"; do
  # Words as a shell splits them, quotes honoured ('model.hidden=[64, 64]'), nothing executed.
  argv_of[i]=$(xargs printf '%s\n' <<<"${runs[i]}" 2>/dev/null) ||
    { echo "$suite: run '${runs[i]}': its quotes do not pair up" >&2; exit 2; }
done
# Every config with its --set values is checked before the first run: a bad one found at its turn
# would come after the earlier runs had spent their GPU time. (run checks its other options.)
for i in "${!runs[@]}"; do
  mapfile -t words <<<"${argv_of[i]}"
  checked=("${words[0]}")
  for ((w = 1; w < ${#words[@]}; w++)); do
    case ${words[w]} in
    --set) checked+=(--set "${words[w + 1]:-}") && ((w += 1)) ;;
    --set=*) checked+=("${words[w]}") ;;
    esac
  done
  "$build_dir/epochcost" validate --for run "${checked[@]}" >/dev/null ||
    { echo "$suite: run '${runs[i]}' is refused (above); nothing was run" >&2; exit 2; }
done

mkdir -p "$results" "$(dirname "$history")"
# The process id keeps the files of two jobs started in the same second apart.
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$$
first_failure=0
measured=() # tonight's result files: the check judges their series only
declare -A taken
# An interrupt of this script alone (cron's or CI's SIGTERM to one process) reaches the run too, so
# that it stops and records nothing; the run then exits 130 or 143 and the job ends below.
child=0
interrupted=0 # the exit status of the first interrupt: the job ends with it, whatever the run did
forward() { # forward SIGNAL STATUS: to the running run, or, between runs, end the job
  ((interrupted)) || interrupted=$2
  ((child == 0)) && { echo "nightly: interrupted; the runs after it were not started" >&2; exit "$2"; }
  kill -"$1" "$child" 2>/dev/null
}
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
for i in "${!runs[@]}"; do
  mapfile -t words <<<"${argv_of[i]}"
  name=$(basename "${words[0]}" .yaml)
  # The same config twice in a suite (with other --set values) gets a file of its own.
  file=$name-$stamp.json
  for ((n = 2; ${taken[$file]:-0}; n++)); do file=$name-$n-$stamp.json; done
  taken[$file]=1
  "$build_dir/epochcost" --log-level warn run "${words[@]}" --format json \
    --output "$results/$file" --history "$history" &
  child=$!
  wait "$child"
  rc=$?
  # A trapped signal ends `wait` early: wait again for the run's own exit status (127: the run
  # was reaped already, and rc holds it).
  while ((interrupted)); do
    wait "$child"
    status=$?
    ((status == 127)) && break
    rc=$status
    kill -0 "$child" 2>/dev/null || break
  done
  child=0
  if ((interrupted || rc == 130 || rc == 143)); then
    echo "nightly: interrupted during '${runs[i]}' (its exit status $rc); the runs after it were not started" >&2
    exit "$((interrupted ? interrupted : rc))"
  elif ((rc == 0)); then
    measured+=(--series-of "$results/$file")
  else
    echo "nightly: '${runs[i]}' failed with exit status $rc" >&2
    ((first_failure == 0)) && first_failure=$rc
  fi
done
# Yesterday's runs are no check of tonight's.
if ((${#measured[@]} == 0)); then
  echo "nightly: no run was recorded tonight; nothing to check" >&2
  exit "$first_failure"
fi

# Past the runs an interrupt waits for the check and the trend (a second or so), then ends the job.
trap '((interrupted)) || interrupted=130' INT
trap '((interrupted)) || interrupted=143' TERM
"$build_dir/epochcost" history check --history "$history" "${measured[@]}" \
  ${threshold:+--threshold "$threshold"} ${window:+--window "$window"} | tee "$results/check-$stamp.md"
check=${PIPESTATUS[0]}
# The trend of every series so far, as data and (with gnuplot) an SVG next to the results.
"$build_dir/epochcost" --log-level warn history trend --history "$history" --format csv \
  --output "$results/trend-$stamp.csv" --plot "$results/trend-$stamp.svg" ||
  echo "nightly: the trend plot failed (the check above stands)" >&2
if ((interrupted)); then
  echo "nightly: interrupted after the runs (the check above, exit status $check, stands)" >&2
  exit "$interrupted"
fi
((first_failure != 0 && check != 1)) && exit "$first_failure"
exit "$check"
