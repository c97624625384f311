#!/usr/bin/env bash
# fuzz.sh GO FUZZTIME: runs every Fuzz target of every package for FUZZTIME
# (make test-fuzz). A target that finds a failing input fails at once and
# shows it (the input is saved under testdata/fuzz/TARGET: commit it with
# the fix). A run that fails without saving an input (the fuzzing engine
# lost a worker, as it can on a loaded machine) is shown and run once more;
# failing twice fails.
set -euo pipefail
go=${1:-go}
fuzztime=${2:-5s}
for pkg in $($go list ./...); do
  dir=$($go list -f '{{.Dir}}' "$pkg")
  for f in $($go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $f"
    for attempt in 1 2; do
      before=$({ find "$dir/testdata/fuzz/$f" -type f 2>/dev/null || true; } | wc -l)
      if out=$($go test -run='^$' -fuzz="^$f\$" -fuzztime="$fuzztime" "$pkg" 2>&1); then
        break
      fi
      after=$({ find "$dir/testdata/fuzz/$f" -type f 2>/dev/null || true; } | wc -l)
      if [ "$after" -gt "$before" ] || [ "$attempt" = 2 ]; then
        echo "$out" | tail -40
        echo "$f failed; an input it found is under testdata/fuzz/$f of $pkg (commit it with the fix)"
        $go test -run="^$f\$" "$pkg" || true
        exit 1
      fi
      echo "$out" | tail -15
      echo "  $f: the fuzzing engine failed without saving an input; running it once more"
    done
  done
done
