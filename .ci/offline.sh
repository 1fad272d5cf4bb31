#!/usr/bin/env bash
# Run exlint under `strace -f -e trace=network` — a check, an export, `ignore`, `init` and a
# scripted LSP session — and fail if any network system call shows up. Usage: offline.sh EXLINT
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(realpath "${1:-./target/debug/exlint}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EXLINT_NOW=2026-11-28T02:13:00+01:00 TZ=UTC HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"

traced() { # NAME CMD... : run under strace, keep its trace in $work/NAME.trace
  local name=$1; shift
  local code=0
  strace -f -qq -e trace=network -e signal=none -o "$work/$name.trace" "$@" >"$work/$name.out" 2>&1 || code=$?
  if [ "$code" -gt 1 ]; then
    echo "offline: \`$name\` exited $code:"; cat "$work/$name.out"; exit 1
  fi
  # A thread still running when the process exits (a pool helper waiting awake for its next
  # job) can be reported as an unknown call it was detached in, `???( <detached ...>`: strace
  # names every network call it sees, so that line is not one.
  grep -v -E '^[0-9]+ +\?\?\?\( <detached \.\.\.>$' "$work/$name.trace" >"$work/$name.calls" || true
  if [ -s "$work/$name.calls" ]; then
    echo "offline: \`$name\` made network system calls:"; cat "$work/$name.trace"; exit 1
  fi
  echo "offline: $name: no network system calls"
}

# The check itself must be able to see a network call: a known socket() has to show up.
if command -v python3 >/dev/null; then
  strace -f -qq -e trace=network -e signal=none -o "$work/probe.trace" \
    python3 -c 'import socket; socket.socket()' || true
  grep -q 'socket(' "$work/probe.trace" || { echo "offline: strace does not see socket() here"; exit 1; }
fi

traced check "$exe" check --isolated fixtures/late_night_plea.txt
traced check-json "$exe" check --format json --me Sam fixtures/threads/telegram_result.json
cp fixtures/late_night_plea.txt "$work/d.txt"
(cd "$work" && traced init "$exe" init .)
(cd "$work" && traced ignore "$exe" ignore d.txt --rule you-up)

frame() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
{
  frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
  frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
  frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/d.txt","languageId":"plaintext","version":1,"text":"we need to talk. pls"}}}'
  frame '{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/d.txt"},"position":{"line":0,"character":3}}}'
  frame '{"jsonrpc":"2.0","id":3,"method":"shutdown"}'
  frame '{"jsonrpc":"2.0","method":"exit"}'
} >"$work/session"
traced lsp sh -c "exec '$exe' lsp <'$work/session'"
grep -q '"publishDiagnostics"\|textDocument/publishDiagnostics' "$work/lsp.out" \
  || { echo "offline: the LSP session published nothing:"; cat "$work/lsp.out"; exit 1; }
echo "offline: all clean"
