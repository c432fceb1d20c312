#!/usr/bin/env bash
# Runs the registry on an embedded SQLite file with a generated demo cohort,
# then keeps serving until Ctrl-C (DEMO_EXIT=1 stops right away).
#
#   deploy/demo.sh            # 300 patients in 3 centers on 127.0.0.1:50051
#   PATIENTS=2000 PORT=50100 deploy/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the demo runs: no tests, benchmarks or fuzzers, and none of the
# packages they need.
deploy/install-deps.sh --build-only
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build build-demo -j"${JOBS:-2}" --target registryd regctl cohortgen

patients=${PATIENTS:-300}
port=${PORT:-50051}
dir=${DEMO_DIR:-demo}
rm -rf "$dir"
mkdir -p "$dir"
db="$dir/registry.db"
bin=build-demo/bin
export REGISTRY_SERVER="127.0.0.1:$port"

"$bin/registryd" --db "$db" --listen "$REGISTRY_SERVER" 2>"$dir/registryd.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$dir/registryd.log" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$dir/registryd.log" >&2; exit 1; }
  sleep 0.1
done
admin=(--token-file "$db.admin-token")

"$bin/cohortgen" --out "$dir/cohort" --patients "$patients" --centers 3 --seed 2026 >/dev/null
# Every kind cohortgen writes, in the order an import needs: patients, then
# transplants (which engraftment and GvHD refer to), then the rest.
kinds=(patients transplants visits relapses mri treatments deaths
  adverse_events engraftment disease_status ssc_assessments organ_failures
  sle_assessments lab_results consents)
for center in C01 C02 C03; do
  "$bin/regctl" "${admin[@]}" admin center add "$center" --name "Transplant center $center" >/dev/null
  "$bin/regctl" "${admin[@]}" admin token issue --role submitter --center "$center" \
    --label "demo $center" >"$dir/$center.token" 2>/dev/null
  for kind in "${kinds[@]}"; do
    "$bin/regctl" --token-file "$dir/$center.token" submit import "$kind" \
      "$dir/cohort/$center/$kind.csv" >/dev/null
  done
done
"$bin/regctl" "${admin[@]}" admin token issue --role analyst --label demo >"$dir/analyst.token" 2>/dev/null

echo
echo "HSCT follow-up registry: demo running on $REGISTRY_SERVER (database $db)"
echo
printf '%-17s' records; for center in C01 C02 C03; do printf '%8s' "$center"; done; echo
for kind in "${kinds[@]}"; do
  printf '%-17s' "$kind"
  for center in C01 C02 C03; do
    n=$("$bin/regctl" --token-file "$dir/$center.token" submit export "$kind" | tail -n +2 | wc -l)
    printf '%8s' "$n"
  done
  echo
done
echo
"$bin/regctl" --token-file "$dir/analyst.token" report outcomes 2>/dev/null >"$dir/outcomes.csv"
awk -F, 'NR > 1 { n++; if ($6 == 1) { e++; if ($7 != "") a++; else k++ } }
  END { printf "Outcomes (reference definition): %d patients, %d evaluable for NEDA-3;\n", n, e
        printf "  %d with evidence of disease activity, %d still NEDA-3 at their last assessment.\n", a, k }' \
  "$dir/outcomes.csv"
echo
# The safety summary of the cohort report, all transplants together.
"$bin/regctl" --token-file "$dir/analyst.token" report cohort 2>/dev/null |
  awk '/^Safety, \(all\)/ { on = 1; print; next } on && /^  / { print; next } { on = 0 }'
echo
"$bin/regctl" "${admin[@]}" admin audit verify
echo
cat <<NEXT
Try, in another terminal (from $(pwd)):
  export REGISTRY_SERVER=$REGISTRY_SERVER
  $bin/regctl --token-file $dir/C01.token submit export visits | head
  $bin/regctl --token-file $dir/C01.token submit export adverse_events | head
  $bin/regctl --token-file $dir/C01.token patient status C01-0001
  $bin/regctl --token-file $dir/C01.token patient history C01-0001
  $bin/regctl --token-file $dir/analyst.token report outcomes | head
  $bin/regctl --token-file $dir/analyst.token report disability-events --event multiple --baseline roving | head
  $bin/regctl --token-file $dir/analyst.token report km --endpoint neda3 --by disease --format table
  $bin/regctl --token-file $dir/analyst.token report km --endpoint pfs --by disease --format svg > pfs.svg
  $bin/regctl --token-file $dir/analyst.token report cohort --format html > cohort.html
  $bin/regctl --token-file $dir/analyst.token report km --endpoint ssc-pfs --format table
  $bin/regctl --token-file $dir/analyst.token report cif --endpoint lung-progression --format table
  $bin/regctl --token-file $dir/analyst.token report states | head
  $bin/regctl --token-file $dir/analyst.token report km --endpoint seroreversion --format table
  $bin/regctl --token-file $db.admin-token admin token list
  $bin/regctl --token-file $db.admin-token admin audit verify
NEXT
if [ "${DEMO_EXIT:-0}" = 1 ]; then
  exit 0
fi
echo
echo "Serving until Ctrl-C."
wait $server
