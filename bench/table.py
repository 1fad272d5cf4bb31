"""Print bench/compare.sh's results as Markdown: one table of medians and ratios, then the targets.

Usage: table.py MANIFEST VERSIONS MACHINE PEER_TIMEOUT
  MANIFEST  TSV: input label, input bytes, tool, hyperfine --export-json file
  VERSIONS  TSV: tool, version
  MACHINE   TSV: key (date, machine, load, skipped), value
"""

import json
import statistics
import sys

INPUTS = {
    "draft-300": "one 300-byte draft",
    "corpus-1mb": "1 MB corpus, one file",
    "corpus-10mb": "10 MB corpus, one file",
    "drafts-1000": "1,000 drafts, one invocation",
}


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def seconds(s):
    if s is None:
        return "—"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    if r < 1:
        return f"{r:.2f}×"
    return f"{r:.1f}×" if r < 100 else f"{r:,.0f}×"


def main():
    manifest, versions, machine, peer_timeout = sys.argv[1:5]
    peer_timeout = float(peer_timeout)

    # results[input][tool] = (median seconds or None if timed out, runs, bytes, exit codes)
    results = {}
    order = []
    for label, nbytes, tool, path in read_tsv(manifest):
        with open(path, encoding="utf-8") as f:
            r = json.load(f)["results"][0]
        codes = sorted(set(c for c in (r.get("exit_codes") or []) if c is not None))
        timed_out = 124 in codes or r["median"] >= peer_timeout
        median = None if timed_out else statistics.median(r["times"])
        results.setdefault(label, {})[tool] = (median, len(r["times"]), int(nbytes), codes)
        if label not in order:
            order.append(label)

    info = {}
    skipped = []
    for key, value in read_tsv(machine):
        if key == "skipped":
            skipped.append(value)
        else:
            info[key] = value

    print(f"{info.get('date', '?')} · {info.get('machine', '?')} · load {info.get('load', '?')}")
    print()
    print("| input | tool | median wall | runs | ÷ rg | ÷ exlint | MB/s |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for label in order:
        by_tool = results[label]
        rg = by_tool.get("rg", (None,))[0]
        ex = by_tool.get("exlint", (None,))[0]
        for tool, (median, runs, nbytes, _codes) in by_tool.items():
            # Throughput means little for one tiny draft (it is all start-up time).
            mbs = "—" if median is None or nbytes < 10_000 else f"{nbytes / 1e6 / median:,.2f}"
            shown = seconds(median) if median is not None else f"> {seconds(peer_timeout)} (timed out)"
            name = f"**{tool}**" if tool == "exlint" else tool
            print(
                f"| {INPUTS.get(label, label)} | {name} | {shown} | {runs} | "
                f"{'' if tool == 'rg' else ratio(median, rg)} | "
                f"{'' if tool == 'exlint' else ratio(median, ex)} | {mbs} |"
            )
    print()
    print("÷ rg: the tool's median over ripgrep's on the same input (the floor: `rg -i -c -f phrases.txt`).")
    print("÷ exlint: the tool's median over exlint's, i.e. how many times slower than exlint it is.")

    def med(label, tool):
        return results.get(label, {}).get(tool, (None,))[0]

    targets = []

    def target(text, value, shown, ok):
        targets.append((text, shown if value is not None else "not run", ok if value is not None else None))

    ex300, rg300 = med("draft-300", "exlint"), med("draft-300", "rg")
    r = ex300 / rg300 if ex300 and rg300 else None
    target("one 300-byte draft: exlint ≤ 3× rg", r, f"{r:.1f}×" if r else "", r is not None and r <= 3)
    ex10, rg10 = med("corpus-10mb", "exlint"), med("corpus-10mb", "rg")
    r = ex10 / rg10 if ex10 and rg10 else None
    target("10 MB corpus: exlint ≤ 10× rg", r, f"{r:.1f}×" if r else "", r is not None and r <= 10)
    mbs = 10.0 / ex10 if ex10 else None
    target("10 MB corpus: exlint ≥ 100 MB/s", mbs, f"{mbs:.1f} MB/s" if mbs else "", mbs is not None and mbs >= 100)
    exd, rgd = med("drafts-1000", "exlint"), med("drafts-1000", "rg")
    r = exd / rgd if exd and rgd else None
    target("1,000 drafts in one invocation: exlint ≤ 3× rg", r, f"{r:.1f}×" if r else "", r is not None and r <= 3)
    ex1 = med("corpus-1mb", "exlint")
    for peer in ("proselint", "textlint", "write-good", "alex"):
        if peer not in results.get("corpus-1mb", {}):
            continue
        p = med("corpus-1mb", peer)
        if p is None:  # timed out: at least the timeout
            r = peer_timeout / ex1 if ex1 else None
            target(f"1 MB corpus: exlint ≥ 100× faster than {peer}", r, f"> {r:,.0f}×" if r else "", r is not None and r >= 100)
        else:
            r = p / ex1 if ex1 else None
            target(f"1 MB corpus: exlint ≥ 100× faster than {peer}", r, f"{r:,.0f}×" if r else "", r is not None and r >= 100)
    if "harper" in results.get("corpus-1mb", {}):
        p = med("corpus-1mb", "harper")
        r = p / ex1 if p and ex1 else None
        target("1 MB corpus: exlint faster than Harper", r, ratio(p, ex1), r is not None and r > 1)

    print()
    print("| target | measured | met |")
    print("|---|--:|---|")
    for text, shown, ok in targets:
        print(f"| {text} | {shown} | {'—' if ok is None else ('yes' if ok else '**no**')} |")
    print()
    print("Versions: " + "; ".join(f"{tool} {version}" for tool, version in read_tsv(versions)) + ".")
    for s in skipped:
        print(f"Skipped: {s}.")


if __name__ == "__main__":
    main()
