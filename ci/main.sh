#!/usr/bin/env bash
# The main job: install what is missing, build, and run the explorer over the whole catalog,
# comparing each scenario's model verdict with its declared expectation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
weft=./build/weft
out=build/catalog
mkdir -p "$out"
printf '%-44s %-34s %-34s %s\n' scenario expected found match
status=0
while read -r name expected; do
  log="$out/${name//\//_}.json"
  set +e
  "$weft" explore "$name" --json --no-trace > "$log"
  rc=$?
  set -e
  if [ "$rc" -eq 2 ] || [ "$rc" -gt 2 ]; then
    found="error (exit $rc)"
  else
    found=$( (grep -o '"kind": "[a-z_]*"' "$log" || true) | sed 's/.*: "\(.*\)"/\1/' | sort -u | paste -sd+ -)
    [ -n "$found" ] || found=clean
  fi
  match=no
  if [ "$expected" = clean ] && [ "$found" = clean ]; then
    match=yes
  elif [ "$expected" != clean ] && [ "$found" != clean ] && [[ "$found" != error* ]]; then
    match=yes
    for k in ${found//+/ }; do [[ "+$expected+" == *"+$k+"* ]] || match=no; done
  fi
  [ "$match" = yes ] || status=1
  printf '%-44s %-34s %-34s %s\n' "$name" "$expected" "$found" "$match"
done < <("$weft" list | awk '$1 ~ /\// && $2 == "model:" { print $1, $3 }')
exit "$status"
