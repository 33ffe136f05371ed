"""Training instances for the demo model: a Python port of @lrqk/eval's needle-in-a-haystack
generators (packages/eval/src/tasks/niah.ts, haystack.ts, template.ts; the same prompt text, needle
sentences, haystacks and word pools), made on the fly so that every training step sees fresh
instances without carrying gigabytes of token ids to the GPU machine.

What differs from the evaluation generators, on purpose: lengths are approximate (the haystack is
cut by an estimate of tokens per piece, not fitted to ±1%), depths are uniform in [0, 1] rather
than RULER's 40 fixed depths, and the random streams are Python's (seeded), so no training
instance coincides with an evaluation instance. `check_parity.py` compares the prompts of both.
"""
import random
import re

from corpus import read_wikitext

NOISE_SENTENCES = ["The grass is green.", "The sky is blue.", "The sun is yellow.", "Here we go.", "There and back again."]
_SENTENCE_END = re.compile(r"[.!?][\"')]?$")
_RUNS = re.compile(r" ?(?:[A-Za-z]+|\d+|[^A-Za-z\d\s]+)")


def detokenize(line: str) -> str:
    """packages/eval/src/wikitext.ts detokenize(): WikiText's tokenization undone, <unk> dropped."""
    s = re.sub(r" ?<unk>", "", line)
    s = re.sub(r" @(.)@ ", r"\1", s)
    s = re.sub(r'" ([^"]*?) "', r'"\1"', s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = re.sub(r" ([.,;:!?%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = re.sub(r" ?\(\)", "", s)
    s = re.sub(r"([,;:])(\s*[,;:])+", r"\1", s)
    return re.sub(r"\s+", " ", s).strip()


class Corpus:
    """WikiText-2 prose as words (essayWords) and the key vocabulary (vocabularyWords)."""

    def __init__(self, wikitext_path: str):
        self.articles = read_wikitext(wikitext_path)
        words = []
        for a in self.articles:
            for line in a["content"].split("\n"):
                if line.strip().startswith("="):
                    continue
                prose = detokenize(line)
                if prose:
                    words.extend(prose.split(" "))
        self.words = words
        self.vocabulary = sorted({w for w in words if re.fullmatch(r"[a-z]{4,12}", w)})
        self.sentence_starts = [i for i in range(len(words)) if _SENTENCE_END.search(words[i - 1])]


def uuid(rng: random.Random) -> str:
    h = "0123456789abcdef"
    s = ""
    for i in range(32):
        d = rng.randint(0, 15)
        if i == 12:
            d = 4
        if i == 16:
            d = 8 + (d & 3)
        s += h[d]
        if i in (7, 11, 15, 19):
            s += "-"
    return s


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(10 ** (n - 1), 10**n - 1))


def join_query(items):
    if len(items) <= 1:
        return items[0] if items else ""
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


# name -> (haystack, keyType, valueType, numKeys, numValues, numQueries), as in registry.ts
NIAH = {
    "niah_single_1": ("noise", "words", "numbers", 1, 1, 1),
    "niah_single_2": ("essay", "words", "numbers", 1, 1, 1),
    "niah_single_3": ("essay", "words", "uuids", 1, 1, 1),
    "niah_multikey_1": ("essay", "words", "numbers", 4, 1, 1),
    "niah_multikey_2": ("needle", "words", "numbers", 1, 1, 1),
    "niah_multikey_3": ("needle", "uuids", "uuids", 1, 1, 1),
    "niah_multivalue": ("essay", "words", "numbers", 1, 4, 1),
    "niah_multiquery": ("essay", "words", "numbers", 4, 1, 4),
}


class NiahGenerator:
    """Builds (prompt, completion, answers) of a NIAH task with about `length` prompt tokens."""

    def __init__(self, corpus: Corpus, tokens_per_piece: dict):
        self.c = corpus
        # Estimated tokens per haystack piece (word, noise sentence, needle-haystack word run).
        self.tpp = tokens_per_piece

    def _key(self, rng, kind):
        if kind == "numbers":
            return digits(rng, 7)
        if kind == "uuids":
            return uuid(rng)
        return f"{rng.choice(self.c.vocabulary)}-{rng.choice(self.c.vocabulary)}"

    def _value(self, rng, kind):
        return digits(rng, 7) if kind == "numbers" else uuid(rng)

    def make(self, task: str, length: int, rng: random.Random):
        hay, key_type, value_type, num_keys, num_values, num_queries = NIAH[task]
        noun = value_type
        used = set()

        def fresh(make):
            while True:
                s = make()
                if s not in used:
                    used.add(s)
                    return s

        needle = lambda k, v: f"One of the special magic {noun} for {k} is: {v}."
        keys = [fresh(lambda: self._key(rng, key_type)) for _ in range(num_keys)]
        values = [[fresh(lambda: self._value(rng, value_type)) for _ in range(num_values)] for _ in keys]
        queried = rng.sample(range(num_keys), num_queries)
        queries = [keys[i] for i in queried]
        pairs = [(k, v) for i, k in enumerate(keys) for v in values[i]]
        rng.shuffle(pairs)
        needles = [needle(k, v) for k, v in pairs]  # in text order (depths are sorted below)
        # A key's values in the order they appear in the text (the evaluation accepts any order;
        # a learnable one makes a cleaner training target), keys in the order they are asked.
        answers = [v for q in queries for k, v in pairs if k == q]

        query = join_query(queries)
        answer_prefix = f"Answer: The special magic {noun} for {query} mentioned in the provided text are:"
        instruction = (
            f"Some special magic {noun} are hidden within the following text. Make sure to memorize it. "
            f"I will quiz you about the {noun} afterwards."
        )
        question = f"What are all the special magic {noun} for {query} mentioned in the provided text?"
        frame_tokens = 60 + 20 * len(needles) + 12 * len(queries) * (3 if key_type == "uuids" else 1)
        budget = max(0, length - frame_tokens)
        # Haystack pieces, each with its leading separator (as haystack.ts), and whether a needle may
        # follow piece i (a sentence ends there).
        if hay == "noise":
            n = int(budget / self.tpp["noise"])
            start = rng.randrange(len(NOISE_SENTENCES))
            pieces = [" " + NOISE_SENTENCES[(start + i) % 5] for i in range(n)]
            ends = [True] * n
        elif hay == "essay":
            n = int(budget / self.tpp["essay"])
            w = self.c.words
            start = rng.choice(self.c.sentence_starts)
            pieces = [" " + w[(start + i) % len(w)] for i in range(n)]
            ends = [bool(_SENTENCE_END.search(p)) for p in pieces]
        else:
            # Distractor needles split into runs of letters, digits and punctuation, cut at any run.
            n = int(budget / self.tpp["needle_uuid_run" if key_type == "uuids" else "needle_word_run"])
            pieces, ends = [], []
            while len(pieces) < n:
                runs = _RUNS.findall(" " + needle(fresh(lambda: self._key(rng, key_type)), fresh(lambda: self._value(rng, value_type))))
                pieces.extend(runs)
                ends.extend([False] * (len(runs) - 1) + [True])
            pieces, ends = pieces[:n], ends[:n]
        # The evaluation ends the haystack at a sentence when the length allows (template.ts
        # endAtSentence); most training prompts do too, some stay cut mid-sentence.
        if n > 0 and rng.random() < 0.8:
            last = max((i for i in range(n) if ends[i]), default=None)
            if last is not None and last >= n // 2:
                n = last + 1
                pieces, ends = pieces[:n], ends[:n]
        depths = sorted(rng.random() for _ in needles)
        positions = []
        for d in depths:
            p = min(n, max(0, int(d * n)))
            while 0 < p < n and not ends[p - 1]:
                p += 1
            positions.append(p)
        parts, nxt = [], 0
        for p, text in zip(positions, needles):
            parts.extend(pieces[nxt:p])
            nxt = max(nxt, p)
            parts.append(" " + text)
        parts.extend(pieces[nxt:])
        context = "".join(parts).lstrip()
        prompt = f"{instruction}\n\n{context}\n\n{question}\n{answer_prefix}"
        completion = " " + ", ".join(answers) + "."
        return prompt, completion, answers


def natural_text(corpus: Corpus, words: int, rng: random.Random) -> str:
    """A run of WikiText prose (for plain language-model loss)."""
    w = corpus.words
    start = rng.choice(corpus.sentence_starts)
    return " ".join(w[(start + i) % len(w)] for i in range(words))


def measure_tokens_per_piece(corpus: Corpus, tokenizer, rng: random.Random) -> dict:
    """Average tokens per haystack piece for this tokenizer (for cutting haystacks to length)."""
    enc = lambda s: len(tokenizer.encode(s, add_special_tokens=False).ids)
    essay = natural_text(corpus, 20000, rng)
    noise = " ".join(NOISE_SENTENCES * 200)
    gen = NiahGenerator(corpus, {"essay": 1, "noise": 1, "needle_word": 1, "needle_uuid": 1})
    nw = " ".join(f"One of the special magic numbers for {gen._key(rng, 'words')} is: {digits(rng, 7)}." for _ in range(300))
    nu = " ".join(f"One of the special magic uuids for {uuid(rng)} is: {uuid(rng)}." for _ in range(300))
    return {
        "essay": enc(essay) / 20000,
        "noise": enc(noise) / 1000,
        "needle_word_run": enc(nw) / len(_RUNS.findall(" " + nw)),
        "needle_uuid_run": enc(nu) / len(_RUNS.findall(" " + nu)),
    }


def passage_task(corpus: Corpus, length: int, rng: random.Random, tokens_per_word: float):
    """Copying drill: a marked passage (prose, numbers or UUIDs) hidden in filler, to be repeated.
    Every token of the answer is a copy from far back, a dense signal that grows the induction
    heads NIAH retrieval is built from (NIAH itself gives ~8 such tokens per prompt)."""
    kind = rng.random()
    if kind < 0.5:
        start = rng.choice(corpus.sentence_starts)
        span = " ".join(corpus.words[(start + i) % len(corpus.words)] for i in range(rng.randint(8, 48)))
    elif kind < 0.8:
        span = ", ".join(digits(rng, 7) for _ in range(rng.randint(1, 6)))
    else:
        span = ", ".join(uuid(rng) for _ in range(rng.randint(1, 2)))
    budget = max(0, length - 2 * int(len(span) / 3.2) - 40)
    filler_words = int(budget / tokens_per_word)
    if rng.random() < 0.3:
        filler = [NOISE_SENTENCES[i % 5] for i in range(int(budget / 4.8))]
    else:
        start = rng.choice(corpus.sentence_starts)
        filler = [corpus.words[(start + i) % len(corpus.words)] for i in range(filler_words)]
    cut = rng.randint(0, len(filler))
    context = " ".join(filler[:cut] + [f"Passage: {span} End of passage."] + filler[cut:])
    prompt = f"Some text is marked as a passage below. Remember it.\n\n{context}\n\nRepeat the passage.\nAnswer:"
    return prompt, f" {span}", [span]


def repeat_task(corpus: Corpus, rng: random.Random):
    """Induction drill: random vocabulary words, then the same words again. Every answer token is
    predictable only by copying (the token after the previous occurrence of the current one), the
    purest signal for the induction heads that retrieval needs; a 2-layer model learns the
    equivalent random-token copy in ~50 steps."""
    span = " ".join(rng.choice(corpus.vocabulary) for _ in range(rng.randint(8, 60)))
    return f"{span}\n\nRepeat the text above.\nAnswer:", f" {span}", [span]
