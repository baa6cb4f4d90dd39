"""Check the evaluation sets under data/eval/ (standard library only).

    python3 data/eval/check_sets.py            # errors make the exit status 1
    python3 data/eval/check_sets.py --verbose  # also list, per question, the documents its keys match
    python3 data/eval/check_sets.py en-field   # only the named set(s)

For every set folder (one with docs/ and qa_*.jsonl):
  * every line parses as JSON with exactly the fields id, question, lang, expected, keys, kind;
  * ids are unique and carry the set's prefix (enm-t / enm-h, zhn-t / zhn-h), lang is en or zh,
    kind is one of the known kinds, every expected file exists under docs/;
  * answerable questions: every key compiles, and ALL keys match (re.search, re.I) the text of at least one
    expected document; a key that matches the question itself is reported as a warning;
  * documents outside "expected" whose text matches all keys are reported as warnings (to be reviewed by
    hand: a number like "16" matches many documents that do not answer the question);
  * unanswerable questions: expected and keys are empty, and none of the probes in absent_probes.json
    matches any document of the set;
  * documents are read as text; HTML is reduced to its text; a PDF is read through its companion HTML source
    (see COMPANIONS), and when `pdftotext` is on PATH the PDF's own text is checked as well.
"""
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys
from collections import Counter

HERE = pathlib.Path(__file__).resolve().parent
SETS = {"en-mixed": "enm", "zh-notes": "zhn", "en-field": "enf", "zh-wiki": "zhw", "spec-notes": "spn",
        "paper-forum": "ppf", "ops-rfc": "opr", "deck-wiki": "dkw", "rfp-lab": "rfl"}
COMPANIONS = {("en-mixed", "kestrel-pilot-report.pdf"): "source/report.html",
              ("en-field", "osprey-commissioning-report.pdf"): "source/report.html",
              ("zh-wiki", "xq-training-handout.pdf"): "source/handout.html",
              ("spec-notes", "grd-spec.pdf"): "source/spec.html",
              ("paper-forum", "pathledger-paper.pdf"): "source/paper.html",
              ("paper-forum", "pathledger-datasheet.pdf"): "source/datasheet.html",
              ("ops-rfc", "fpdd-install-ops-guide-zh.pdf"): "source/guide.html",
              ("deck-wiki", "sedgemoor-uet-profile-spec.pdf"): "source/spec.html",
              ("deck-wiki", "sm-phase2-design-review-deck.pdf"): "source/deck.html",
              ("rfp-lab", "acceptance-test-report.pdf"): "source/report.html"}
KINDS = {"number", "name", "definition", "mechanism", "procedure", "yesno", "unanswerable"}
FIELDS = {"id", "question", "lang", "expected", "keys", "kind"}


def html_text(raw):
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    raw = re.sub(r"(?s)<!--.*?-->", " ", raw)
    raw = re.sub(r"<[^>]+>", " ", raw)
    return html.unescape(raw)


def norm(text):
    return re.sub(r"\s+", " ", text)


def load_docs(set_dir, set_name):
    docs, pdf_texts = {}, {}
    for p in sorted((set_dir / "docs").rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(set_dir / "docs").as_posix()
        if p.suffix.lower() == ".pdf":
            comp = COMPANIONS.get((set_name, rel))
            if comp is None:
                raise SystemExit(f"{set_name}: no companion source for {rel}")
            docs[rel] = norm(html_text((set_dir / comp).read_text(encoding="utf-8")))
            if shutil.which("pdftotext"):
                out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(p), "-"], capture_output=True, check=True)
                pdf_texts[rel] = norm(out.stdout.decode("utf-8"))
        elif p.suffix.lower() in (".html", ".htm"):
            docs[rel] = norm(html_text(p.read_text(encoding="utf-8")))
        else:
            docs[rel] = norm(p.read_text(encoding="utf-8"))
    return docs, pdf_texts


def all_match(keys, text):
    return all(re.search(k, text, re.I) for k in keys)


def check_set(set_name, prefix, verbose):
    set_dir = HERE / set_name
    errors, warnings = [], []
    docs, pdf_texts = load_docs(set_dir, set_name)
    probes = json.loads((set_dir / "absent_probes.json").read_text(encoding="utf-8"))
    seen = set()
    stats = Counter()
    for split, tag in (("qa_tune.jsonl", "t"), ("qa_holdout.jsonl", "h")):
        lines = (set_dir / split).read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            where = f"{set_name}/{split}:{n}"
            try:
                q = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: not JSON ({e})")
                continue
            if set(q) != FIELDS:
                errors.append(f"{where}: fields {sorted(q)}")
                continue
            qid, kind, lang, expected, keys = q["id"], q["kind"], q["lang"], q["expected"], q["keys"]
            if qid in seen:
                errors.append(f"{where}: duplicate id {qid}")
            seen.add(qid)
            if not re.fullmatch(rf"{prefix}-{tag}\d{{3}}", qid):
                errors.append(f"{where}: id {qid} should look like {prefix}-{tag}###")
            if lang not in ("en", "zh"):
                errors.append(f"{where}: lang {lang}")
            if kind not in KINDS:
                errors.append(f"{where}: kind {kind}")
            stats[(split, "unanswerable" if kind == "unanswerable" else "answerable")] += 1
            stats[(split, "kind", kind)] += 1
            stats[(split, "lang", lang)] += 1
            for e in expected:
                if e not in docs:
                    errors.append(f"{where} {qid}: expected file {e} does not exist")
            try:
                for k in keys:
                    re.compile(k)
            except re.error as e:
                errors.append(f"{where} {qid}: bad regex ({e})")
                continue
            if kind == "unanswerable":
                if expected or keys:
                    errors.append(f"{qid}: unanswerable question with expected/keys")
                plist = probes.get(qid)
                if not plist:
                    errors.append(f"{qid}: no absent-probes recorded")
                    continue
                for pat in plist:
                    for d, text in list(docs.items()) + [(f"{k} (pdftotext)", v) for k, v in pdf_texts.items()]:
                        m = re.search(pat, text, re.I)
                        if m:
                            errors.append(f"{qid}: probe {pat!r} found in {d}: ...{m.group(0)[:80]}...")
                if verbose:
                    print(f"  {qid} [unanswerable] absent: {q['question']}")
                continue
            if not expected or not keys:
                errors.append(f"{qid}: answerable question needs expected and keys")
                continue
            good = [e for e in expected if e in docs and all_match(keys, docs[e])]
            if not good:
                errors.append(f"{qid}: no expected document matches all keys {keys}")
            for e in expected:
                if e in pdf_texts and all_match(keys, docs[e]) and not all_match(keys, pdf_texts[e]):
                    errors.append(f"{qid}: keys match the HTML source of {e} but not its PDF text")
            for k in keys:
                if re.search(k, q["question"], re.I):
                    warnings.append(f"{qid}: key {k!r} already matches the question text")
            others = [d for d in docs if d not in expected and all_match(keys, docs[d])]
            if others:
                warnings.append(f"{qid}: keys also match unlisted {others} (review: {q['question']})")
            if verbose:
                miss = [e for e in expected if e not in good]
                print(f"  {qid} [{kind}/{lang}] keys match {good}" + (f"; not matched by keys: {miss}" if miss else ""))
    return errors, warnings, stats


def main():
    verbose = "--verbose" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    total_errors = 0
    for set_name, prefix in SETS.items():
        if (only and set_name not in only) or not (HERE / set_name / "docs").is_dir():
            continue
        print(f"== {set_name}")
        errors, warnings, stats = check_set(set_name, prefix, verbose)
        for split in ("qa_tune.jsonl", "qa_holdout.jsonl"):
            kinds = {k[2]: v for k, v in stats.items() if k[0] == split and k[1] == "kind"}
            langs = {k[2]: v for k, v in stats.items() if k[0] == split and k[1] == "lang"}
            print(f"  {split}: {stats[(split, 'answerable')]} answerable, {stats[(split, 'unanswerable')]} unanswerable;"
                  f" langs {dict(sorted(langs.items()))}; kinds {dict(sorted(kinds.items()))}")
        for w in warnings:
            print(f"  WARNING {w}")
        for e in errors:
            print(f"  ERROR {e}")
        total_errors += len(errors)
    print(f"{total_errors} error(s)")
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
