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
# refused by a TLS server. Needs /usr/bin/python3 with python3-grpcio, and
# protoc with grpc_python_plugin for the stubs (clients/python/gen_stubs.sh).
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

write_inputs() {
  cat >"$work/patients.csv" <<'EOF'
patient_id,sex,birth_year,disease,diagnosis_date
P1,F,1985,RRMS,2012-03-01
P2,M,1990,RRMS,2014-05-01
EOF
  cat >"$work/transplants.csv" <<'EOF'
patient_id,transplant_date,type,regimen
P1,2018-01-10,autologous,BEAM-ATG
P2,2018-02-01,autologous,CY-ATG
EOF
  cat >"$work/mri.csv" <<'EOF'
patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing
P1,2018-08-01,0,0,0
P1,2019-08-01,0,0,0
P2,2018-09-01,0,0,0
P2,2019-09-01,0,0,0
EOF
  # P1 worsens from EDSS 3.0 to 4.0 on 2019-01-01, confirmed 151 days later;
  # P2 stays stable. Columns in another order than the documented one.
  cat >"$work/visits.csv" <<'EOF'
visit_date,patient_id,edss
2018-01-05,P1,3.0
2018-07-01,P1,3.0
2019-01-01,P1,4.0
2019-06-01,P1,4.0
2018-01-20,P2,2.0
2018-08-01,P2,2.0
2019-09-01,P2,2.0
EOF
  cat >"$work/bad-visits.csv" <<'EOF'
patient_id,visit_date,edss
P1,2020-01-01,0.5
P2,2020-01-01,3.0
EOF
  cat >"$work/unparsable-visits.csv" <<'EOF'
patient_id,visit_date,edss
P1,01/02/2020,3.0
EOF
  echo "rgt_not_a_valid_token" >"$work/wrong.token"
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
expect_failure "usage: no stubs" 2 "--stubs" \
  env -u REGISTRY_PY_STUBS "$python" "$client" --server 127.0.0.1:1 \
  --token-file "$work/wrong.token" status P1
expect_failure "invalid CSV is refused before any call" 1 \
  "$work/unparsable-visits.csv:2: visit_date: expected a date YYYY-MM-DD" \
  "$python" "$client" --server 127.0.0.1:1 --token-file "$work/wrong.token" \
  --stubs "$work/stubs" import-visits "$work/unparsable-visits.csv"

test_mode local
test_mode tls
test_mode mutual-tls

echo "python client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
