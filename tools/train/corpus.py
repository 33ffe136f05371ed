"""Reading WikiText-2 (the jsonl shipped by @lrqk/eval, plain or gzip-compressed)."""
import gzip
import json


def read_wikitext(path: str):
    """The articles as dicts with 'heading' and 'content', in file order."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
