#!/usr/bin/env bash
# Seed every fuzz target's corpus (fuzz/corpus/<target>, git-ignored) from the project's own
# fixtures, rule files and a scripted LSP session, so the fuzzers start from real inputs.
set -euo pipefail
cd "$(dirname "$0")"
f=../fixtures
mkdir -p corpus/{draft,headers,whatsapp,telegram,exlint_json,config,rule_file,lsp}
cp $f/*.txt $f/timed/*.txt $f/threads/*.txt $f/threads/*.json corpus/draft/
cp $f/timed/*.txt corpus/headers/
cp $f/threads/whatsapp_*.txt corpus/whatsapp/
cp $f/threads/telegram_result.json corpus/telegram/
cp $f/threads/exlint_thread.json corpus/exlint_json/
cp ../src/config/starter.toml corpus/config/
sed 's/^# \([a-z]\)/\1/' ../src/config/starter.toml > corpus/config/uncommented.toml
cp ../rules/*.toml corpus/rule_file/
frame() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
{
  printf '\x07'   # the first byte picks the chunk size
  frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{"general":{"positionEncodings":["utf-8","utf-16"]}}}}'
  frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
  frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/d.txt","languageId":"text","version":1,"text":"u up? 🌙\n\nwe need to talk. pls"}}}'
  frame '{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/d.txt","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":2},"end":{"line":2,"character":4}},"text":"😭\r\n"}]}}'
  frame '{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/d.txt"},"position":{"line":0,"character":3}}}'
  frame '{"jsonrpc":"2.0","id":3,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/d.txt"},"range":{"start":{"line":0,"character":0},"end":{"line":3,"character":0}},"context":{"diagnostics":[]}}}'
  frame '{"jsonrpc":"2.0","id":4,"method":"workspace/executeCommand","params":{"command":"exlint.ignoreFinding","arguments":[{"uri":"file:///tmp/d.txt","rule":"begging","text":"pls"}]}}'
  frame '{"jsonrpc":"2.0","id":5,"method":"shutdown"}'
  frame '{"jsonrpc":"2.0","method":"exit"}'
} > corpus/lsp/session
echo "seeded: $(ls corpus/*/ | wc -l) files"
