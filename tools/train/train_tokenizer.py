"""Trains the demo model's tokenizer: a byte-level BPE of 4096 tokens on WikiText-2 plus synthetic
retrieval-task text, with digits split one per token (a small model copies a number digit by digit
far more reliably than it copies multi-digit tokens it has rarely seen).

Writes tokenizer.json (BOS prepended by the post-processor) and tokenizer_config.json into --out.
Deterministic: the BPE trainer is deterministic for a fixed corpus and settings.

    python3 tools/train/train_tokenizer.py --wikitext packages/eval/data/wikitext-2-v1_test.jsonl.gz \
        --out assets/lrqk-demo-model
"""
import argparse
import json
import os
import random

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from corpus import read_wikitext

VOCAB_SIZE = 4096
BOS, EOS, PAD = "<s>", "</s>", "<pad>"


def synthetic_lines(rng: random.Random, n: int):
    """Task-like text so that the template words of retrieval prompts get their own tokens."""
    words = ["apple", "river", "window", "garden", "silver", "orange", "mountain", "pencil", "castle", "forest"]
    kinds = ["number", "numbers", "word", "words", "key", "keys", "value", "values", "UUID", "UUIDs"]
    hexd = "0123456789abcdef"
    for _ in range(n):
        key = "-".join(rng.choice(words) for _ in range(2))
        num = str(rng.randint(1000000, 9999999))
        uuid = "".join(rng.choice(hexd) for _ in range(32))
        uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
        kind = rng.choice(kinds)
        yield f"One of the special magic {kind} for {key} is: {num}."
        yield f"One of the special magic {kind} for {uuid} is: {rng.choice(words)}."
        yield (
            f"What is the special magic {kind} for {key} mentioned in the provided text? "
            f"The special magic {kind} for {key} mentioned in the provided text is"
        )
        yield f"Answer: The special magic {kind} for {key} mentioned in the provided text are: {num}"
        yield "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."


def build(wikitext: str, out: str) -> None:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[BOS, EOS, PAD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    rng = random.Random(1234)
    lines = [a["content"] for a in read_wikitext(wikitext)]
    lines += list(synthetic_lines(rng, 3000))
    tok.train_from_iterator(lines, trainer=trainer)
    bos_id, eos_id = tok.token_to_id(BOS), tok.token_to_id(EOS)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B", special_tokens=[(BOS, bos_id)]
    )
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": EOS,
        "pad_token": PAD,
        "add_bos_token": True,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 32768,
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print(f"tokenizer: {tok.get_vocab_size()} tokens, bos {bos_id}, eos {eos_id} -> {out}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--wikitext", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    build(a.wikitext, a.out)
