#!/usr/bin/env bash
# End-to-end test of clients/python/registry_client.py against a real
# registryd, over local credentials, TLS and mutual TLS:
#
#   tests/python_client_test.sh REGISTRYD REGCTL
#
# For each mode: a fresh database, a center and a submitter token made with
# regctl, patients, transplants and MRI scans imported with regctl, then the
# Python client imports visits and reads NEDA statuses. Also checks that bad
# input is reported with its field violations, that a wrong token gets
# UNAUTHENTICATED, and that clients without the right credentials are
# refused by a TLS server. With local credentials, the Python client also
# imports a file of every record kind for a systemic-sclerosis and an MS
# patient (checked with regctl's export), is refused bad rows by line and
# field with nothing written (by its own checks and by the server's), and
# prints statuses as regctl does, with the transplant course. Then the
# package (test_package): hsct_registry from PYTHONPATH and installed with
# pip, and tests/python_package_test.py against a server of its own. Needs
# /usr/bin/python3 with python3-grpcio, and protoc with grpc_python_plugin
# for the stubs (clients/python/gen_stubs.sh); pandas is optional (the
# DataFrame test is skipped without it).
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: python_client_test.sh REGISTRYD REGCTL" >&2
  exit 2
fi
registryd=$(realpath "$1")
regctl=$(realpath "$2")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=/usr/bin/python3
client=$root/clients/python/registry_client.py
step_timeout=30

work=$(mktemp -d "${TMPDIR:-/tmp}/python_client_test.XXXXXX")
server_pid=""
passed=0
failed=0

# --- Helpers ----------------------------------------------------------------

stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "python client test: $*" >&2
  echo "python client: $passed passed, $((failed + 1)) failed" >&2
  exit 1
}

# Runs a command bounded by $step_timeout; sets $rc, $out and $err.
run() {
  timeout "$step_timeout" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

# A setup step that must succeed.
must() {
  run "$@"
  [ "$rc" -eq 0 ] || die "failed (exit $rc): $*"$'\n'"$err"
}

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1" >&2
  echo "  exit $rc; stdout:"$'\n'"$out"$'\n'"  stderr:"$'\n'"$err" >&2
}

# expect_success NAME TEXT COMMAND...: exit 0 with TEXT on stdout.
expect_success() {
  local name=$1 text=$2
  shift 2
  run "$@"
  if [ "$rc" -eq 0 ] && grep -qF -- "$text" <<<"$out"; then
    pass "$name"
  else
    fail "$name: expected exit 0 and stdout containing: $text"
  fi
}

# expect_failure NAME CODE TEXT COMMAND...: exit CODE with TEXT on stderr.
expect_failure() {
  local name=$1 code=$2 text=$3
  shift 3
  run "$@"
  if [ "$rc" -eq "$code" ] && grep -qF -- "$text" <<<"$err"; then
    pass "$name"
  else
    fail "$name: expected exit $code and stderr containing: $text"
  fi
}

# expect_lines NAME LINE...: each LINE is a whole line of the last $out.
expect_lines() {
  local name=$1 line missing=""
  shift
  for line in "$@"; do
    grep -qxF -- "$line" <<<"$out" || missing+=$'\n'"    $line"
  done
  if [ -z "$missing" ]; then
    pass "$name"
  else
    fail "$name: expected the line(s):$missing"
  fi
}

# expect_no_line NAME LINE: LINE is not a line of the last $out.
expect_no_line() {
  if grep -qxF -- "$2" <<<"$out"; then
    fail "$1: unexpected line: $2"
  else
    pass "$1"
  fi
}

# start_server DIR [registryd flags...]: sets $address and $server_pid.
start_server() {
  local dir=$1
  shift
  mkdir -p "$dir"
  timeout 100 "$registryd" --db "$dir/r.db" --listen 127.0.0.1:0 "$@" \
    2>"$dir/registryd.log" &
  server_pid=$!
  local port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
      "$dir/registryd.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || die "registryd did not start: $(cat "$dir/registryd.log")"
  address=127.0.0.1:$port
}

# --- Inputs -----------------------------------------------------------------

# write_inputs: the CSV files of the tests, into $work.
# shellcheck source=tests/python_client_inputs.sh
source "$root/tests/python_client_inputs.sh"

# --- Every kind -------------------------------------------------------------

# export_rows KIND: sets $out to the center's current records of KIND in
# the import format (header first) and $rows to their number.
export_rows() {
  must "${submit[@]}" submit export "$1" --format csv
  rows=$(($(wc -l <<<"$out") - 1))
}

# test_all_kinds: run by test_mode, whose $py (the Python client) and
# $submit (regctl with the submitter token) it uses.
test_all_kinds() {
  local d=$work/kinds rows before registry_id regctl_status
  echo "--- every kind (local)"

  # The client's kinds and columns are the server's declaration, as
  # regctl lists it.
  run "${py[@]}" kinds
  local py_kinds
  py_kinds=$(grep -E '^  [a-z_]+: ' <<<"$out")
  if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
    pass "kinds: the stubs hold no kind or field the client lacks"
  else
    fail "kinds: the stubs hold no kind or field the client lacks"
  fi
  run "$regctl" submit import --help
  if [ -n "$py_kinds" ] && [ "$py_kinds" = "$(grep -E '^  [a-z_]+: ' <<<"$out")" ]; then
    pass "kinds: the same kinds and columns as regctl"
  else
    fail "kinds: the same kinds and columns as regctl; the client lists:"$'\n'"$py_kinds"
  fi

  expect_success "import patients" "import patients from $d/patients.csv: 2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import patients "$d/patients.csv"
  expect_success "import transplants" "2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import transplants "$d/transplants.csv"
  expect_success "import visits" "3 records, 3 accepted, 0 unchanged" \
    "${py[@]}" import visits "$d/visits.csv"
  expect_success "import relapses" "1 records, 1 accepted, 0 unchanged" \
    "${py[@]}" import relapses "$d/relapses.csv"
  expect_success "import mri" "2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import mri "$d/mri.csv"
  expect_success "import treatments" "3 records, 3 accepted, 0 unchanged" \
    "${py[@]}" import treatments "$d/treatments.csv"
  expect_success "import treatments without the newer optional columns" \
    "1 records, 1 accepted, 0 unchanged" "${py[@]}" import treatments "$d/treatments-old.csv"
  expect_success "import adverse_events" "2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import adverse_events "$d/adverse_events.csv"
  expect_success "import engraftment" "2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import engraftment "$d/engraftment.csv"
  expect_success "import disease_status" "2 records, 2 accepted, 0 unchanged" \
    "${py[@]}" import disease_status "$d/disease_status.csv"
  expect_success "import deaths" "1 records, 1 accepted, 0 unchanged" \
    "${py[@]}" import deaths "$d/deaths.csv"
  expect_success "identical re-import of adverse_events" \
    "import adverse_events from $d/adverse_events.csv: 2 records, 0 accepted, 2 unchanged" \
    "${py[@]}" import adverse_events "$d/adverse_events.csv"

  # What landed, as regctl exports it (canonical text).
  export_rows patients
  expect_lines "export patients" "S1,F,1975,SSC,2016-04-01" "M1,M,1988,RRMS,2012-09-15"
  export_rows transplants
  expect_lines "export transplants" "S1,2019-03-01,autologous,CY-ATG" \
    "M1,2018-05-01,autologous,BEAM-ATG"
  export_rows visits
  expect_lines "export visits" "M1,2018-04-20,3.0" "M1,2018-11-01,2.5" "M1,2019-11-01,2.5"
  export_rows relapses
  expect_lines "export relapses" "M1,2017-06-01,"
  export_rows mri
  expect_lines "export mri" "M1,2018-11-10,0,0,0," "M1,2019-11-10,0,0,0,-0.25"
  export_rows treatments
  expect_lines "export treatments" \
    "S1,cyclophosphamide,2019-02-20,2019-02-23,immunosuppressant,2000,mg/m2,yes" \
    "S1,prednisolone,2019-06-01,,corticosteroid,7.5,mg/day,no" \
    "M1,ocrelizumab,2016-01-10,2017-12-01,dmt,,,no" \
    "M1,natalizumab,2014-03-01,2015-12-01,other,,,no"
  export_rows deaths
  expect_lines "export deaths" "S1,2022-01-10,sepsis,infection"
  # 200 visits of patients never imported: the standard error details
  # (google.rpc.Status) list the first and count them all.
  {
    echo "patient_id,visit_date,edss"
    for i in $(seq 1 200); do echo "NOPE$i,2020-01-01,2.0"; done
  } >"$d/unknown-visits.csv"
  expect_failure "200 unknown patients: the first listed, all counted" 1 \
    "  ... and 150 more problem(s) not listed" \
    "${py[@]}" import visits "$d/unknown-visits.csv"
  if grep -qF "$d/unknown-visits.csv:2: patient_id:" <<<"$err"; then
    pass "200 unknown patients: read from the google.rpc.BadRequest by line"
  else
    fail "200 unknown patients: read from the google.rpc.BadRequest by line"
  fi
  export_rows adverse_events
  expect_lines "export adverse_events" \
    "S1,2019-03-20,viral_reactivation,2,2019-04-02,CMV reactivation" \
    "S1,2019-06-01,infection,3,,"
  export_rows engraftment
  expect_lines "export engraftment" "S1,2019-03-01,2019-03-12,2019-03-15" \
    "M1,2018-05-01,2018-05-11,"
  export_rows disease_status
  expect_lines "export disease_status" "S1,2020-03-01,improved" "S1,2021-03-01,remission"

  # Bad rows: every problem named by file, line and field; nothing sent or
  # written, not even the valid rows of the same file.
  export_rows adverse_events
  before=$rows
  expect_failure "bad adverse event: line and field" 1 \
    "$d/bad-adverse_events.csv:3: grade: '7' is not one of 1, 2, 3, 4, 5, I, II, III, IV, mild, moderate, severe" \
    "${py[@]}" import adverse_events "$d/bad-adverse_events.csv"
  expect_failure "bad adverse event: every field" 1 \
    "$d/bad-adverse_events.csv:3: category: 'fungal' is not one of infection, viral_reactivation," \
    "${py[@]}" import adverse_events "$d/bad-adverse_events.csv"
  if grep -qxF "registry_client: 2 error(s) in $d/bad-adverse_events.csv; nothing was sent" <<<"$err" &&
    ! grep -q ":2: " <<<"$err"; then
    pass "bad adverse event: nothing sent, the valid line not blamed"
  else
    fail "bad adverse event: nothing sent, the valid line not blamed"
  fi
  expect_failure "server-side violations: line and field" 1 \
    "$d/server-bad-adverse_events.csv:4: grade: chronic_gvhd is graded mild, moderate or severe (NIH) (got '3')" \
    "${py[@]}" import adverse_events "$d/server-bad-adverse_events.csv"
  if grep -qF "registry_client: INVALID_ARGUMENT" <<<"$err" &&
    grep -qF "$d/server-bad-adverse_events.csv:3: category: acute_gvhd" <<<"$err"; then
    pass "server-side violations: INVALID_ARGUMENT, every record named"
  else
    fail "server-side violations: INVALID_ARGUMENT, every record named"
  fi
  export_rows adverse_events
  if [ "$rows" -eq "$before" ]; then
    pass "bad adverse events: nothing written ($rows records)"
  else
    fail "bad adverse events: nothing written: $before records before, $rows after"
  fi
  expect_no_line "bad adverse events: not even their valid row" "M1,2018-06-01,infection,2,,"

  export_rows treatments
  before=$rows
  expect_failure "bad treatment: class" 1 \
    "$d/bad-treatments.csv:3: class: 'steroid' is not one of dmt, immunosuppressant, biologic, corticosteroid, antimalarial, ivig_or_plasma_exchange, other" \
    "${py[@]}" import treatments "$d/bad-treatments.csv"
  if grep -qxF "$d/bad-treatments.csv:3: dose: must be between 0 and 100000 (got -5)" <<<"$err" &&
    grep -qxF "$d/bad-treatments.csv:3: protocol: 'maybe' is not one of no, yes" <<<"$err"; then
    pass "bad treatment: dose and protocol"
  else
    fail "bad treatment: dose and protocol"
  fi
  export_rows treatments
  if [ "$rows" -eq "$before" ]; then
    pass "bad treatments: nothing written ($rows records)"
  else
    fail "bad treatments: nothing written: $before records before, $rows after"
  fi
  expect_no_line "bad treatments: not even their valid row" "M1,interferon,2019-01-01,,dmt,30,ug/week,no"

  export_rows deaths
  before=$rows
  expect_failure "bad death: cause_code" 1 \
    "$d/bad-deaths.csv:2: cause_code: 'sepsis' is not one of disease, infection, toxicity, gvhd, graft_failure, secondary_malignancy, other, unknown" \
    "${py[@]}" import deaths "$d/bad-deaths.csv"
  export_rows deaths
  if [ "$rows" -eq "$before" ]; then
    pass "bad death: nothing written"
  else
    fail "bad death: nothing written: $before records before, $rows after"
  fi
  expect_failure "engraftment without its key column" 1 \
    "$d/bad-engraftment.csv:1: transplant_date: required column is missing" \
    "${py[@]}" import engraftment "$d/bad-engraftment.csv"
  expect_failure "engraftment with an unknown column" 1 \
    "$d/bad-engraftment.csv:1: anc: unknown column for engraftment (columns: patient_id,transplant_date,neutrophil_date,platelet_date)" \
    "${py[@]}" import engraftment "$d/bad-engraftment.csv"

  # Status: the systemic-sclerosis patient is not evaluable for NEDA and
  # shows the course of the transplant.
  expect_success "status of S1" "NEDA-3 not evaluable: not MS." "${py[@]}" status S1
  expect_lines "status of S1: evaluability and course" \
    "NEDA-3 evaluable: no (not MS)" \
    "EDA date: none" \
    "  2019-03-01  day      0  transplant (day 0)" \
    "  2019-03-12  day     11  neutrophil recovery, day 11 after the transplant of 2019-03-01" \
    "  2019-03-15  day     14  platelet recovery, day 14 after the transplant of 2019-03-01" \
    "  2019-03-20  day     19  adverse event: viral_reactivation, grade 2 (CMV reactivation), resolved 2019-04-02" \
    "  2019-06-01  day     92  adverse event: infection, grade 3" \
    "  2019-02-20  day     -9  treatment restarted: cyclophosphamide" \
    "  2020-03-01  day    366  disease status: improved" \
    "  2021-03-01  day    731  disease status: remission" \
    "  2022-01-10  day   1046  death"
  registry_id=$(sed -n 's/^Patient S1 (\(R[0-9A-Z]*\)), center C01, SSC, transplant on 2019-03-01$/\1/p' <<<"$out")
  if [ -n "$registry_id" ]; then
    pass "status of S1: patient line"
  else
    fail "status of S1: patient line 'Patient S1 (R...), center C01, SSC, transplant on 2019-03-01'"
  fi
  local py_status=$out
  must "${submit[@]}" patient status S1
  regctl_status=$out
  # Each read is at its own time: the freeze line is compared by form.
  if grep -Eq '^Data as recorded at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$' <<<"$py_status"; then
    pass "status of S1: the recorded time of its data"
  else
    out=$py_status
    fail "status of S1: a 'Data as recorded at' line"
  fi
  if [ "$(grep -v -e '^NEDA-3 evaluable: ' -e '^EDA date: ' -e '^Data as recorded at ' <<<"$py_status")" = "$(grep -v '^Data as recorded at ' <<<"$regctl_status")" ]; then
    pass "status of S1: as regctl patient status, with evaluability and EDA date"
  else
    out=$py_status
    fail "status of S1: as regctl patient status; regctl prints:"$'\n'"$regctl_status"
  fi
  if [ -n "$registry_id" ]; then
    expect_success "status by registry id" "NEDA-3 evaluable: no (not MS)" \
      "${py[@]}" status --registry-id "$registry_id"
    if [ "$(grep -v '^Data as recorded at ' <<<"$out")" = "$(grep -v '^Data as recorded at ' <<<"$py_status")" ]; then
      pass "status by registry id: the same as by patient id"
    else
      fail "status by registry id: the same as by patient id"
    fi
  fi

  expect_success "status of M1" \
    "NEDA-3 maintained for 549 days (1.5 years), to the last complete assessment on 2019-11-01 (censored). NEDA-4 maintained (brain-volume loss 0.25 %/year)." \
    "${py[@]}" status M1
  expect_lines "status of M1: evaluable, with engraftment" \
    "NEDA-3 evaluable: yes" \
    "EDA date: none" \
    "Relapses after transplant: 0 (ARR 0.50 before, 0.00 after); confirmed disability worsening: 0" \
    "  2017-06-01  day   -334  relapse (before transplant)" \
    "  2018-05-11  day     10  neutrophil recovery, day 10 after the transplant of 2018-05-01"
  py_status=$out
  must "${submit[@]}" patient status M1
  if [ "$(grep -v -e '^NEDA-3 evaluable: ' -e '^EDA date: ' -e '^Data as recorded at ' <<<"$py_status")" = "$(grep -v '^Data as recorded at ' <<<"$out")" ]; then
    pass "status of M1: as regctl patient status"
  else
    regctl_status=$out
    out=$py_status
    fail "status of M1: as regctl patient status; regctl prints:"$'\n'"$regctl_status"
  fi
}

# --- The package -------------------------------------------------------------

# test_package: tests/python_package_test.py, with a server of its own (the
# package from PYTHONPATH, as `python3 -m hsct_registry` and installed with
# pip; every kind, amend and retract, EDSS `3,5`, the CSV rules, status and
# reports beside regctl; DataFrames where pandas is installed). Each of its
# tests counts as one here.
test_package() {
  echo "--- package"
  mkdir -p "$work/package"
  timeout 120 env REGISTRYD="$registryd" REGCTL="$regctl" \
    REGISTRY_PY_STUBS="$work/stubs" PACKAGE_TEST_WORK="$work/package" \
    PYTHONPATH="$root/clients/python" \
    "$python" "$root/tests/python_package_test.py" >"$work/out" 2>"$work/err"
  rc=$?
  err=$(cat "$work/err")
  grep -E ' \.\.\. (ok|FAIL|ERROR)$' <<<"$err" | sed 's/^/  /'
  sed -n "s/^\(test_[a-z0-9_]*\) .* \.\.\. skipped '\(.*\)'$/SKIP: \1: \2/p" <<<"$err"
  local ran oks skipped
  ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' <<<"$err")
  oks=$(grep -cE ' \.\.\. ok$' <<<"$err")
  skipped=$(grep -cE ' \.\.\. skipped' <<<"$err")
  passed=$((passed + oks))
  if [ "$rc" -eq 0 ] && [ "${ran:-0}" -gt 0 ]; then
    echo "ok: package: $oks passed, $skipped skipped"
  else
    local bad=$((${ran:-1} - oks - skipped))
    failed=$((failed + (bad > 0 ? bad : 1)))
    echo "FAIL: package (exit $rc)"$'\n'"$err" >&2
  fi
}

# --- One mode ---------------------------------------------------------------

# test_mode local|tls|mutual-tls
test_mode() {
  local mode=$1 pki=$work/pki
  local -a server_flags=() client_flags=()
  # registryd's flags are Abseil flags, spelled with underscores
  # (`--tls-cert` as in docs/cli.md is refused as an unknown flag).
  case $mode in
    tls)
      server_flags=(--tls_cert "$pki/server.pem" --tls_key "$pki/server.key")
      client_flags=(--ca-cert "$pki/ca.pem")
      ;;
    mutual-tls)
      server_flags=(--tls_cert "$pki/server.pem" --tls_key "$pki/server.key"
        --tls_client_ca "$pki/ca.pem")
      client_flags=(--ca-cert "$pki/ca.pem" --cert "$pki/client.pem"
        --key "$pki/client.key")
      ;;
  esac
  local dir=$work/$mode
  echo "--- $mode"
  start_server "$dir" "${server_flags[@]}"

  local -a admin=("$regctl" --server "$address" --token-file "$dir/r.db.admin-token"
    "${client_flags[@]}")
  must "${admin[@]}" admin center add C01 --name "Center one"
  must "${admin[@]}" admin token issue --role submitter --center C01 --label python-test
  printf '%s\n' "$out" >"$dir/submitter.token"
  local -a submit=("$regctl" --server "$address" --token-file "$dir/submitter.token"
    "${client_flags[@]}")
  must "${submit[@]}" submit import patients "$work/patients.csv"
  must "${submit[@]}" submit import transplants "$work/transplants.csv"
  must "${submit[@]}" submit import mri "$work/mri.csv"

  local -a py=("$python" "$client" --server "$address" --token-file "$dir/submitter.token"
    --stubs "$work/stubs" "${client_flags[@]}")
  expect_success "$mode: import visits" "7 records, 7 accepted, 0 unchanged" \
    "${py[@]}" import-visits "$work/visits.csv"
  expect_success "$mode: identical re-import" "7 records, 0 accepted, 7 unchanged" \
    "${py[@]}" import-visits "$work/visits.csv"
  expect_success "$mode: status of P1" \
    "NEDA-3 lost on 2019-01-01 (day 356, 1.0 years) by confirmed disability worsening." \
    "${py[@]}" status P1
  if grep -qxF "EDA date: 2019-01-01" <<<"$out"; then
    pass "$mode: EDA date of P1"
  else
    fail "$mode: EDA date of P1: expected the line 'EDA date: 2019-01-01'"
  fi
  expect_success "$mode: status of P2" "NEDA-3 maintained for" "${py[@]}" status P2
  if grep -qxF "EDA date: none" <<<"$out"; then
    pass "$mode: no EDA date for P2"
  else
    fail "$mode: no EDA date for P2: expected the line 'EDA date: none'"
  fi
  expect_failure "$mode: field violations of a bad import" 1 \
    "$work/bad-visits.csv:2: edss:" "${py[@]}" import-visits "$work/bad-visits.csv"
  if grep -qF "INVALID_ARGUMENT" <<<"$err"; then
    pass "$mode: bad import is INVALID_ARGUMENT"
  else
    fail "$mode: bad import is INVALID_ARGUMENT"
  fi
  expect_failure "$mode: unknown patient" 1 "NOT_FOUND" "${py[@]}" status P9
  expect_failure "$mode: wrong token" 1 "UNAUTHENTICATED" \
    "$python" "$client" --server "$address" --token-file "$work/wrong.token" \
    --stubs "$work/stubs" "${client_flags[@]}" status P1
  expect_failure "$mode: admin token may not read statuses" 1 "PERMISSION_DENIED" \
    "$python" "$client" --server "$address" --token-file "$dir/r.db.admin-token" \
    --stubs "$work/stubs" "${client_flags[@]}" status P1

  [ "$mode" = local ] && test_all_kinds

  if [ "$mode" != local ]; then
    expect_failure "$mode: a local (plaintext) client is refused" 1 "UNAVAILABLE" \
      "$python" "$client" --server "$address" --token-file "$dir/submitter.token" \
      --stubs "$work/stubs" --timeout 10 status P1
    expect_failure "$mode: a client trusting another CA is refused" 1 "UNAVAILABLE" \
      "$python" "$client" --server "$address" --token-file "$dir/submitter.token" \
      --stubs "$work/stubs" --timeout 10 --ca-cert "$pki/other-ca.pem" status P1
  fi
  if [ "$mode" = mutual-tls ]; then
    expect_failure "$mode: TLS without a client certificate is refused" 1 "UNAVAILABLE" \
      "$python" "$client" --server "$address" --token-file "$dir/submitter.token" \
      --stubs "$work/stubs" --timeout 10 --ca-cert "$pki/ca.pem" status P1
    expect_failure "$mode: a client certificate of another CA is refused" 1 "UNAVAILABLE" \
      "$python" "$client" --server "$address" --token-file "$dir/submitter.token" \
      --stubs "$work/stubs" --timeout 10 --ca-cert "$pki/ca.pem" \
      --cert "$pki/stranger.pem" --key "$pki/stranger.key" status P1
  fi
  stop_server
}

# --- Main -------------------------------------------------------------------

[ -x "$registryd" ] || die "no registryd at $registryd"
[ -x "$regctl" ] || die "no regctl at $regctl"
[ -x "$python" ] || die "no $python"
timeout "$step_timeout" "$python" -c "import grpc" 2>/dev/null ||
  die "$python cannot import grpc (apt-get install python3-grpcio)"
must "$root/clients/python/gen_stubs.sh" "$work/stubs"
must "$root/tests/data/make_test_certs.sh" "$work/pki"
write_inputs

# Usage errors need no server.
expect_failure "usage: --cert without --key" 2 "--cert and --key go together" \
  "$python" "$client" --server 127.0.0.1:1 --token-file "$work/wrong.token" \
  --stubs "$work/stubs" --ca-cert "$work/pki/ca.pem" --cert "$work/pki/client.pem" \
  status P1
# Stubs generated into the package itself would be found there.
if [ -d "$root/clients/python/hsct_registry/_stubs/registry" ]; then
  echo "SKIP: usage: no stubs (clients/python/hsct_registry/_stubs exists)"
else
  expect_failure "usage: no stubs" 2 "--stubs" \
    env -u REGISTRY_PY_STUBS "$python" "$client" --server 127.0.0.1:1 \
    --token-file "$work/wrong.token" status P1
fi
expect_failure "usage: unknown kind" 2 "invalid choice: 'visit'" \
  "$python" "$client" --server 127.0.0.1:1 --token-file "$work/wrong.token" \
  --stubs "$work/stubs" import visit "$work/kinds/visits.csv"
expect_failure "usage: status without a patient" 2 "PATIENT_ID or --registry-id" \
  "$python" "$client" --server 127.0.0.1:1 --token-file "$work/wrong.token" \
  --stubs "$work/stubs" status
expect_failure "usage: import without --server" 2 "import needs --server" \
  "$python" "$client" --token-file "$work/wrong.token" --stubs "$work/stubs" \
  import visits "$work/kinds/visits.csv"
expect_failure "invalid CSV is refused before any call" 1 \
  "$work/unparsable-visits.csv:2: visit_date: '01/02/2020' is not a valid date (YYYY-MM-DD)" \
  "$python" "$client" --server 127.0.0.1:1 --token-file "$work/wrong.token" \
  --stubs "$work/stubs" import-visits "$work/unparsable-visits.csv"

test_mode local
test_mode tls
test_mode mutual-tls
test_package

echo "python client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
