#!/usr/bin/env python3
"""Validate the exlint evaluation corpus and print counts.

Usage:
    python3 tests/corpus/check.py            # validate, print counts and warnings
    python3 tests/corpus/check.py --strict   # also exit non-zero on warnings
    python3 tests/corpus/check.py --hints    # extra: keyword hints for content labels

What it checks
  * every *.toml under dev/ and test/ parses and has the shape
        [[case]]  text = "..."  expect = ["rule-id", ...]
  * every id in `expect` is one of the 17 in-scope rule ids, with no duplicates;
  * no draft text appears twice in the corpus (dev and test must not share a draft);
  * the shape-rule labels agree with a mechanical count (words, sentences per
    paragraph, ALL-CAPS words / !!! runs, sorry count, questions). Where two
    reasonable ways of counting disagree about the threshold, it warns that the
    draft is ambiguous: such drafts should be rewritten so that every way of
    counting gives the same answer;
  * corpus-size targets (>= 450 drafts, >= 20 positives per rule, >= 170 clean
    drafts, a third of them look-alikes) and that the split is roughly 70/30 per
    rule with >= 6 test positives per rule.

--hints prints drafts where a crude keyword pattern for a content rule
disagrees with the label. The hints are deliberately naive (they are exactly
the keyword matching the project wants to do better than), so a hint is a
prompt to re-read the draft, not a verdict.
"""
from __future__ import annotations

import pathlib
import re
import sys
import tomllib
from collections import Counter, defaultdict

ROOT = pathlib.Path(__file__).resolve().parent
SPLITS = ("dev", "test")

CONTENT_RULES = [
    "begging", "ultimatum", "we-need-to-talk", "you-up", "pressure-question",
    "emotional-trap", "rehash", "checking-in", "social-media-tell",
    "self-deprecation", "empty-promise", "self-harm",
]
SHAPE_RULES = ["too-long", "long-paragraph", "shouting", "over-apology", "question-flood"]
RULES = CONTENT_RULES + SHAPE_RULES
OUT_OF_SCOPE = {"late-night", "no-contact", "double-text"}

# Files whose clean drafts count as look-alikes (they contain words or shapes
# that a keyword matcher would flag, but must stay clean).
LOOKALIKE_MARKERS = ("lookalike", "nearmiss")

# Acronyms that are not shouting. The corpus only uses the ones listed in the
# brief (first line); the rest are here so the checker agrees with a
# reasonable allow-list.
ALLOW_CAPS = {
    "LOL", "OMG", "LMAO", "BTW", "IDK", "TBH", "ASAP", "FYI", "BRB", "TTYL",
    "IMO", "NGL", "SMH", "USA", "NYC", "DM", "ETA",
    "LMFAO", "ROFL", "IMHO", "TBF", "AKA", "DIY", "RSVP", "FAQ", "PDF", "ATM",
}

# -------------------------------------------------------------- mechanical counts

WORD_WS = re.compile(r"[A-Za-z0-9]")
WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z0-9]+)*")
TERMINATOR = re.compile(r"[.!?…]+(?![A-Za-z0-9])")
ELLIPSIS_ONLY = re.compile(r"^(?:\.{2,}|…+)$")
CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
PUNCT_RUN = re.compile(r"[!?]{3,}")
SORRY = re.compile(r"\b(?:s+o+r+y+|sry|soz|apologi[sz](?:e|es|ed|ing))\b", re.I)
SORRY_NEAR = re.compile(r"\bapolog(?:y|ies)\b|sorry\w*sorry", re.I)
QUESTION = re.compile(r"[?!]*\?[?!]*")


def word_counts(text: str) -> tuple[int, int]:
    """(whitespace tokens holding a letter/digit, alphanumeric runs)."""
    ws = sum(1 for t in text.split() if WORD_WS.search(t))
    rx = len(WORD_RE.findall(text))
    return ws, rx


def sentences_in(chunk: str, count_ellipsis: bool = True) -> int:
    n = 0
    last_end = 0
    for m in TERMINATOR.finditer(chunk):
        if not count_ellipsis and ELLIPSIS_ONLY.match(m.group()):
            continue
        if WORD_WS.search(chunk[last_end:m.start()]):
            n += 1
        last_end = m.end()
    if WORD_WS.search(chunk[last_end:]):
        n += 1
    return n


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def max_sentences(text: str) -> tuple[int, int, int]:
    """Max sentences in one paragraph, three ways: terminators only;
    terminators but not ellipses; terminators plus line ends."""
    a = b = c = 0
    for p in paragraphs(text):
        a = max(a, sentences_in(p))
        b = max(b, sentences_in(p, count_ellipsis=False))
        c = max(c, sum(sentences_in(line) for line in p.splitlines()))
    return a, b, c


def shouting_reasons(text: str) -> list[str]:
    caps = [w for w in CAPS_WORD.findall(text) if w not in ALLOW_CAPS]
    runs = PUNCT_RUN.findall(text)
    return caps + runs


def sorry_count(text: str) -> int:
    return len(SORRY.findall(text))


def question_count(text: str) -> int:
    return len(QUESTION.findall(text))


def shape_verdicts(text: str) -> dict[str, tuple[bool, bool, str]]:
    """rule -> (fires by the primary count, ambiguous?, explanation)."""
    out = {}
    ws, rx = word_counts(text)
    out["too-long"] = (ws > 50, (ws > 50) != (rx > 50), f"words={ws} (regex {rx})")
    a, b, c = max_sentences(text)
    out["long-paragraph"] = (
        a > 5, len({a > 5, b > 5, c > 5}) > 1,
        f"max sentences/paragraph={a} (no-ellipsis {b}, with line ends {c})")
    reasons = shouting_reasons(text)
    out["shouting"] = (bool(reasons), False, f"caps/runs={reasons}")
    s = sorry_count(text)
    out["over-apology"] = (s >= 3, bool(SORRY_NEAR.search(text)), f"sorry count={s}")
    q = question_count(text)
    out["question-flood"] = (q > 3, False, f"questions={q}")
    return out


# -------------------------------------------------------------- naive hints

HINTS = {
    "begging": r"\b(?:please|pls|plz|plese|pleasee?)\b.{0,25}\b(?:come|take me|back|home|chance)|\bbeg(?:ging|ged)?\b|take me back|one more chance|another chance|can'?t live without|do anything|do whatever|don'?t (?:leave|go)\b",
    "ultimatum": r"last chance|now or never|\beither\b|you have until|you(?:'ve)? got (?:till|until)|\bor (?:else|i'?m|we'?re|i'?ll|lose)\b|\bunless\b|if (?:you|u) don'?t|or don'?t bother",
    "we-need-to-talk": r"\b(?:we|i) (?:really )?(?:need|have|gotta|got) (?:to|2) (?:talk|have a talk)|can we (?:please )?talk|need to talk to (?:you|u)",
    "you-up": r"\b(?:you|u) (?:still )?(?:up|awake)\b|\bwyd\b|still up\?|\bawake\?",
    "pressure-question": r"do (?:you|u) (?:still )?(?:love|miss|luv) me|get(?:ting)? back together|do (?:you|u) even care|why (?:won'?t|wont|aren'?t|are) (?:you|u)|seeing (?:someone|anyone)|someone else|think about (?:us|me)",
    "emotional-trap": r"after (?:everything|all) (?:i|i'?ve)|(?:you|u) owe me|ruin(?:ed|ing)? my life|if (?:you|u) really loved|how could (?:you|u)|happy now|gave (?:you|u) everything",
    "rehash": r"\b(?:you|u) (?:always|never)\b|remember when (?:you|u)|why did (?:you|u)|why'?d (?:you|u)|(?:you|u) made me|(?:your|ur) fault|because of (?:you|u)\b",
    "checking-in": r"check(?:ing|in)?'? (?:in|up)|just seeing how|see how (?:you|u|ur)",
    "social-media-tell": r"\b(?:story|stories|instagram|insta|ig|post|posted|pic|pics|photo|photos|profile|tiktok|fb|facebook|linkedin|online|unfollowed|tagged)\b|told me|heard from|said (?:you|u)",
    "self-deprecation": r"\bi'?m (?:such an? |so |a )?(?:idiot|stupid|worthless|pathetic|loser|failure|mess|nothing)|hate myself|my fault|ruin everything|love me\b|don'?t deserve",
    "empty-promise": r"i promise|i swear|never (?:do|hurt|lie)|(?:i'?ve|ive|i have) changed|different (?:person|this time)|be better|won'?t happen again",
    "self-harm": r"kill myself|hurt(?:ing)? myself|end it|want to live|wanna live|be here anymore|better off without me|\bkms\b|worth living|be alive|never wake up|\bdead\b",
}
HINTS = {k: re.compile(v, re.I) for k, v in HINTS.items()}


def normalise(text: str) -> str:
    t = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", t).strip()


# -------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    hints = "--hints" in argv
    errors: list[str] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    counts = {s: Counter() for s in SPLITS}
    clean = Counter()
    lookalike = Counter()
    total = Counter()
    per_file: dict[str, Counter] = defaultdict(Counter)
    hint_lines: list[str] = []

    for split in SPLITS:
        folder = ROOT / split
        files = sorted(folder.rglob("*.toml"))
        if not files:
            errors.append(f"{split}/: no .toml files")
        for path in files:
            rel = path.relative_to(ROOT).as_posix()
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                errors.append(f"{rel}: does not parse: {exc}")
                continue
            extra = set(data) - {"case"}
            if extra:
                errors.append(f"{rel}: unexpected top-level keys {sorted(extra)}")
            cases = data.get("case")
            if not isinstance(cases, list) or not cases:
                errors.append(f"{rel}: no [[case]] entries")
                continue
            is_lookalike = any(m in path.stem for m in LOOKALIKE_MARKERS)
            for i, case in enumerate(cases, 1):
                where = f"{rel} case #{i}"
                if not isinstance(case, dict):
                    errors.append(f"{where}: not a table")
                    continue
                unknown = set(case) - {"text", "expect"}
                if unknown:
                    errors.append(f"{where}: unknown keys {sorted(unknown)}")
                text, expect = case.get("text"), case.get("expect")
                if not isinstance(text, str) or not text.strip():
                    errors.append(f"{where}: missing or empty text")
                    continue
                if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
                    errors.append(f"{where}: expect must be a list of strings")
                    continue
                short = normalise(text)[:70]
                where = f"{where} «{short}»"
                for e in expect:
                    if e in OUT_OF_SCOPE:
                        errors.append(f"{where}: '{e}' is out of scope for this corpus")
                    elif e not in RULES:
                        errors.append(f"{where}: unknown rule id '{e}'")
                if len(set(expect)) != len(expect):
                    errors.append(f"{where}: duplicate ids in expect")
                key = normalise(text).lower()
                if key in seen:
                    errors.append(f"{where}: duplicate of {seen[key]}")
                seen[key] = where
                if is_lookalike and expect:
                    errors.append(f"{where}: look-alike file but expect is not empty")

                labels = set(expect)
                total[split] += 1
                per_file[rel]["cases"] += 1
                for e in labels:
                    counts[split][e] += 1
                if not labels:
                    clean[split] += 1
                    if is_lookalike:
                        lookalike[split] += 1

                for rule, (fires, ambiguous, why) in shape_verdicts(text).items():
                    if fires != (rule in labels):
                        want = "fire" if fires else "not fire"
                        warnings.append(f"{where}: mechanical count says {rule} should {want} ({why})")
                    elif ambiguous:
                        warnings.append(f"{where}: {rule} is ambiguous, counts disagree ({why})")

                if hints:
                    for rule, rx in HINTS.items():
                        hit = rx.search(text)
                        if bool(hit) != (rule in labels):
                            tag = f"keyword '{hit.group()}' but not labelled" if hit else "labelled but no keyword"
                            hint_lines.append(f"  {rule:18} {tag}: {where}")

    # ---------------------------------------------------------- report
    n_all = sum(total.values())
    print(f"{'rule':20}{'dev':>6}{'test':>6}{'total':>7}{'test%':>7}")
    for rule in RULES:
        d, t = counts["dev"][rule], counts["test"][rule]
        share = t / (d + t) if d + t else 0.0
        print(f"{rule:20}{d:>6}{t:>6}{d + t:>7}{share:>7.0%}")
        if d + t < 20:
            warnings.append(f"{rule}: only {d + t} positives (want >= 20)")
        if t < 6:
            warnings.append(f"{rule}: only {t} positives in test (want >= 6)")
        if d + t and not 0.2 <= share <= 0.4:
            warnings.append(f"{rule}: test share {share:.0%} is far from 30%")
    d, t = clean["dev"], clean["test"]
    print(f"{'(clean)':20}{d:>6}{t:>6}{d + t:>7}{(t / (d + t) if d + t else 0):>7.0%}")
    d2, t2 = lookalike["dev"], lookalike["test"]
    print(f"{'(clean look-alikes)':20}{d2:>6}{t2:>6}{d2 + t2:>7}{(t2 / (d2 + t2) if d2 + t2 else 0):>7.0%}")
    print(f"{'(all drafts)':20}{total['dev']:>6}{total['test']:>6}{n_all:>7}{(total['test'] / n_all if n_all else 0):>7.0%}")

    if n_all < 450:
        warnings.append(f"only {n_all} drafts (want >= 450)")
    if d + t < 170:
        warnings.append(f"only {d + t} clean drafts (want >= 170)")
    if (d2 + t2) * 3 < (d + t):
        warnings.append(f"only {d2 + t2} look-alikes for {d + t} clean drafts (want a third)")

    if "--files" in argv:
        print()
        for rel, c in sorted(per_file.items()):
            print(f"  {rel:45}{c['cases']:>5}")

    if hint_lines:
        print(f"\nkeyword hints (re-read, don't trust blindly): {len(hint_lines)}")
        print("\n".join(hint_lines))
    for w in warnings:
        print(f"WARNING: {w}")
    for e in errors:
        print(f"ERROR: {e}")
    print(f"\n{len(errors)} error(s), {len(warnings)} warning(s)")
    if errors or (strict and warnings):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
