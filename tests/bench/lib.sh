# Helpers the benchmark scripts share; source it after setting $runs.
#   median_ns CMD...   the median wall time in ns of running CMD $runs times (its output
#                      dropped); a script may define before_each to run, untimed, before each
#   ratio A B          A / B with two decimals

median_ns() {
  local samples=() i start end
  for i in $(seq 1 "$runs"); do
    if declare -F before_each >/dev/null; then before_each; fi
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    samples+=($((end - start)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
