"""Trains lrqk's embedded demo model: a small Llama (head_dim 128, GQA, rope_theta 5e5) that
retrieves facts hidden in long documents. Recipe (see /work/shared/GUIDE.md and MODEL_CARD.md):
a short-to-long curriculum of needle-in-a-haystack prompts (tasks.py, a port of @lrqk/eval's
generators) with a little plain WikiText, loss weight 1 on the answer and 0.02 on everything else,
AdamW at lr 2e-3. Each stage gets a share of a wall-clock budget; a timing probe turns the shares
into step counts, which are printed so that `--steps` reproduces the run exactly (the data of step
s depends only on --seed and s, whatever the number of loader workers).

GPU (about 8 minutes):
    python3 tools/train/train.py --out $OUT --budget-s 390 --eval /tmp/heldout.jsonl
CPU smoke test (a few steps of the real model at short lengths):
    python3 tools/train/train.py --dry-run --out /tmp/dry --eval .train/heldout.jsonl
"""
import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import math
import random
import sys
import time

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import save_hf_dir  # noqa: E402
from model import Config, Llama  # noqa: E402
from tasks import NIAH, Corpus, NiahGenerator, measure_tokens_per_piece, natural_text, passage_task, repeat_task  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Task mixes of the training instances, by name (a stage names its mix). "text" is plain WikiText
# for language-model loss; "passage" is the copying drill of tasks.passage_task.
MIXES = {
    # The recipe that worked (run 3 sweep, tools/train/sweeps/run3.txt): single-needle retrieval in
    # repeated noise only, with the repeat drill (pure induction) beside it while prompts are short;
    # retrieval emerged within ~1000 steps from 128-token prompts, where runs 1-2 (starting at
    # 256-512 tokens, richer mixes) took 5000+ steps or never got there.
    "needle_warmup": {"niah_single_1": 0.8, "repeat": 0.2},
    "needle": {"niah_single_1": 1.0},
    # Candidates for the next run (sweeps/run4.txt, not yet trained): the same curriculum with the
    # needle also hidden in WikiText-2 prose (niah_single_2), and several keys (niah_multikey_1).
    "prose_warmup": {"niah_single_1": 0.5, "niah_single_2": 0.3, "repeat": 0.2},
    "prose": {"niah_single_1": 0.5, "niah_single_2": 0.5},
    "prose_keys": {"niah_single_1": 0.4, "niah_single_2": 0.4, "niah_multikey_1": 0.2},
    # Runs 1-2's mixes, kept for comparison: the harder NIAH variants and the copying drill.
    "warmup": {"repeat": 0.25, "niah_single_1": 0.3, "passage": 0.2, "niah_single_2": 0.2, "text": 0.05},
    "main": {
        "passage": 0.1,
        "niah_single_1": 0.15,
        "niah_single_2": 0.25,
        "niah_single_3": 0.15,
        "niah_multikey_1": 0.15,
        "niah_multikey_2": 0.06,
        "niah_multivalue": 0.04,
        "niah_multiquery": 0.05,
        "text": 0.05,
    },
}
CONTEXT_WEIGHT = 0.02  # loss weight of prompt tokens
TEXT_WEIGHT = 0.05  # loss weight of plain-text tokens
# lo:hi:share:tokens:mix — prompt lengths drawn uniformly in [lo, hi] per batch, share of the time
# budget, tokens per batch, task mix.
DEFAULT_STAGES = (
    "128:384:0.2:32768:needle_warmup,384:1024:0.2:65536:needle,512:2048:0.2:65536:needle,"
    "1024:4096:0.2:98304:needle,2048:8448:0.2:131072:needle"
)


def parse_stages(spec):
    out = []
    for part in spec.split(","):
        lo, hi, share, tokens, *mix = part.split(":")
        mix = mix[0] if mix else "main"
        assert mix in MIXES, f"unknown mix {mix}; mixes: {list(MIXES)}"
        out.append({"lo": int(lo), "hi": int(hi), "share": float(share), "tokens": int(tokens), "mix": mix})
    assert abs(sum(s["share"] for s in out) - 1) < 1e-6, "stage shares must sum to 1"
    return out


class Batches(torch.utils.data.IterableDataset):
    """Batch s of the schedule, for every s this worker owns (s ≡ worker id mod workers); the
    DataLoader returns them in step order. Each batch: ids (B, T+1) int64, weights (B, T) f32."""

    def __init__(self, tokenizer_path, corpus, tpp, stage_of_step, stages, seed, pad_id, bos_id, eos_id):
        self.tokenizer_path = tokenizer_path
        self.corpus, self.tpp = corpus, tpp
        self.stage_of_step, self.stages = stage_of_step, stages
        self.seed, self.pad, self.bos, self.eos = seed, pad_id, bos_id, eos_id

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        tok = Tokenizer.from_file(self.tokenizer_path)
        gen = NiahGenerator(self.corpus, self.tpp)
        for step in range(wid, len(self.stage_of_step), nw):
            yield self.batch(tok, gen, step)

    def batch(self, tok, gen, step):
        rng = random.Random(self.seed * 1_000_003 + step)
        st = self.stages[self.stage_of_step[step]]
        length = rng.randint(st["lo"], st["hi"])
        n = max(1, st["tokens"] // length)
        mix = MIXES[st.get("mix", "main")]
        names, weights = list(mix), list(mix.values())
        prompts, completions, kinds = [], [], []
        for _ in range(n):
            task = rng.choices(names, weights)[0]
            if task == "text":
                prompts.append(natural_text(self.corpus, int(length / self.tpp["essay"]), rng))
                completions.append(None)
            elif task == "repeat":
                p, c, _ = repeat_task(self.corpus, rng)
                prompts.append(p)
                completions.append(c)
            elif task == "passage":
                p, c, _ = passage_task(self.corpus, length, rng, self.tpp["essay"])
                prompts.append(p)
                completions.append(c)
            else:
                # Leave room for the answer so the whole sequence stays near `length`.
                p, c, _ = gen.make(task, length - 12 * NIAH[task][4] * NIAH[task][5], rng)
                prompts.append(p)
                completions.append(c)
            kinds.append(task)
        enc_p = tok.encode_batch(prompts, add_special_tokens=False)
        enc_c = tok.encode_batch([c or "" for c in completions], add_special_tokens=False)
        seqs = []
        for ep, ec, c in zip(enc_p, enc_c, completions):
            if c is None:
                ids = [self.bos] + ep.ids[: length]
                w = [TEXT_WEIGHT] * (len(ids) - 1)
            else:
                ids = [self.bos] + ep.ids + ec.ids + [self.eos]
                # weight of predicting ids[i+1] from ids[<=i]
                w = [CONTEXT_WEIGHT] * len(ep.ids) + [1.0] * (len(ec.ids) + 1)
            seqs.append((ids, w))
        T = max(len(ids) for ids, _ in seqs) - 1
        T = (T + 63) // 64 * 64
        ids_t = torch.full((n, T + 1), self.pad, dtype=torch.int64)
        w_t = torch.zeros((n, T), dtype=torch.float32)
        for i, (ids, w) in enumerate(seqs):
            ids_t[i, : len(ids)] = torch.tensor(ids)
            w_t[i, : len(w)] = torch.tensor(w)
        return {"ids": ids_t, "weights": w_t, "step": step, "length": length}


def weighted_loss(model, ids, weights):
    """(loss, answer-token loss, answer-token accuracy) of a batch; answer tokens have weight 1."""
    inp, tgt = ids[:, :-1], ids[:, 1:]
    with torch.autocast(device_type=ids.device.type, dtype=torch.bfloat16, enabled=ids.device.type == "cuda"):
        logits = model(inp)
    ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none").view_as(weights)
    loss = (ce * weights).sum() / weights.sum()
    ans = weights >= 1.0
    with torch.no_grad():
        n_ans = ans.sum().clamp(min=1)
        ans_loss = (ce * ans).sum() / n_ans
        ans_acc = ((logits.argmax(-1) == tgt) & ans).sum() / n_ans
    return loss, ans_loss, ans_acc


def probe_set(corpus, tpp, tok, bos, eos, tasks, n=48, length=768):
    """Fixed NIAH instances (Python generator, its own seed) scored during training: when retrieval
    emerges shows in the log. Returns (ids (n, T) padded, completion start, completion length)."""
    gen = NiahGenerator(corpus, tpp)
    rng = random.Random(424242)
    rows = []
    for i in range(n):
        p, c, _ = gen.make(tasks[i % len(tasks)], length, rng)
        rows.append((tok.encode(p, add_special_tokens=True).ids, tok.encode(c, add_special_tokens=False).ids + [eos]))
    return rows


@torch.no_grad()
def probe_accuracy(model, rows, device):
    """Share of probe instances whose whole completion is the greedy continuation (teacher forced)."""
    model.eval()
    ok = 0
    for p, c in rows:
        ids = torch.tensor([p + c], device=device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(ids[:, :-1])
        ok += bool((logits[0, len(p) - 1 :].argmax(-1) == ids[0, len(p) :]).all())
    model.train()
    return ok / len(rows)


def lr_at(step, total, peak, warmup=150):
    if step < warmup:
        return peak * (step + 1) / warmup
    decay_from = int(0.6 * total)
    if step < decay_from:
        return peak
    t = (step - decay_from) / max(1, total - decay_from)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def probe_step_seconds(model, stages, device, vocab, data, workers, log):
    """Seconds per training step of each stage: forward + backward at the stage's mean length, or
    making the batch (one worker's time divided among the workers) when that is slower."""
    out = []
    tok = Tokenizer.from_file(data.tokenizer_path)
    gen = NiahGenerator(data.corpus, data.tpp)
    for i, st in enumerate(stages):
        t0 = time.perf_counter()
        probe_data = Batches(data.tokenizer_path, data.corpus, data.tpp, [i], stages, 99991, data.pad, data.bos, data.eos)
        probe_data.batch(tok, gen, 0)
        make_s = (time.perf_counter() - t0) / max(1, 0.7 * workers)
        L = (st["lo"] + st["hi"]) // 2
        B = max(1, st["tokens"] // L)
        ids = torch.randint(3, vocab, (B, L + 1), device=device)
        w = torch.full((B, L), CONTEXT_WEIGHT, device=device)
        w[:, -8:] = 1.0
        times = []
        for _ in range(3):
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            loss, _, _ = weighted_loss(model, ids, w)
            loss.backward()
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        model.zero_grad(set_to_none=True)
        out.append(max(min(times[1:]), make_s))
        log(f"probe: stage {st['lo']}-{st['hi']} batch {B}x{L}: compute {min(times[1:]) * 1000:.0f} ms/step, data {make_s * 1000:.0f} ms/step")
    return out


@torch.no_grad()
def evaluate(model, tok, instances, device, bos, eos, log):
    """Teacher-forced exact match: greedy decoding reproduces the completion and EOS exactly iff
    the argmax at every completion position is the completion's next token. By task and length."""
    model.eval()
    results = {}
    for inst in instances:
        p = tok.encode(inst["prompt"], add_special_tokens=True).ids
        assert p[0] == bos, "the tokenizer must prepend BOS"
        c = tok.encode(inst["completion"], add_special_tokens=False).ids + [eos]
        ids = torch.tensor([p + c], device=device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            h = model.hidden(ids[:, :-1])
        logits = F.linear(h[0, len(p) - 1 :].float(), model.model.embed_tokens.weight.float())
        ok = bool((logits.argmax(-1) == ids[0, len(p) :]).all())
        key = (inst["task"], inst["length"])
        r = results.setdefault(key, [0, 0])
        r[0] += ok
        r[1] += 1
    model.train()
    table = {f"{t}/{L}": {"correct": c, "total": n, "accuracy": c / n} for (t, L), (c, n) in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0]))}
    for k, v in table.items():
        log(f"eval {k}: {v['correct']}/{v['total']} = {100 * v['accuracy']:.1f}%")
    return table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wikitext", default=os.path.join(ROOT, "packages/eval/data/wikitext-2-v1_test.jsonl.gz"))
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "assets/lrqk-demo-model"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget-s", type=float, default=420.0, help="training time budget (probe and eval excluded)")
    ap.add_argument("--stages", default=DEFAULT_STAGES)
    ap.add_argument("--steps", default=None, help="steps per stage, comma-separated (skips the timing probe)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (with --steps: replays a run the time limit stopped)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--eval", default=None, help="held-out JSONL from `lrqk eval gen`")
    ap.add_argument("--eval-limit", type=int, default=0, help="at most this many instances per (task, length); 0 = all")
    ap.add_argument("--parts", type=int, default=2, help="split model.safetensors into this many files")
    ap.add_argument("--mix", default=None, help="replaces every stage's mix, e.g. niah_single_1=1,passage=1")
    ap.add_argument("--tiny", action="store_true", help="a 2-layer, 256-wide model (recipe experiments on the CPU)")
    ap.add_argument("--shape", default=None, help="model shape overrides, e.g. hidden_size=384,num_key_value_heads=1")
    ap.add_argument("--probe-tasks", default="niah_single_1", help="NIAH tasks of the in-training probe")
    ap.add_argument("--no-save", action="store_true", help="keep no weights (recipe sweeps)")
    ap.add_argument("--dry-run", action="store_true", help="CPU smoke test: short stages, a few steps")
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    log_file = open(os.path.join(a.out, "train.log"), "a")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    t_start = time.time()
    random.seed(a.seed)
    torch.manual_seed(a.seed)
    device = torch.device("cuda" if torch.cuda.is_available() and not a.dry_run else "cpu")
    log(f"device {device}{' ' + torch.cuda.get_device_name(0) if device.type == 'cuda' else ''}, torch {torch.__version__}, args {vars(a)}")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    tok_path = os.path.join(a.tokenizer, "tokenizer.json")
    tok = Tokenizer.from_file(tok_path)
    cfg = Config(vocab_size=tok.get_vocab_size())
    if a.tiny:
        cfg = Config(vocab_size=tok.get_vocab_size(), hidden_size=256, intermediate_size=512, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1)
    if a.shape:
        for kv in a.shape.split(","):
            k, v = kv.split("=")
            assert k in Config.__dataclass_fields__, f"--shape: unknown field {k}"
            setattr(cfg, k, type(getattr(cfg, k))(v))
    assert tok.token_to_id("<s>") == cfg.bos_token_id and tok.token_to_id("</s>") == cfg.eos_token_id
    assert tok.token_to_id("<pad>") == cfg.pad_token_id
    corpus = Corpus(a.wikitext)
    tpp = measure_tokens_per_piece(corpus, tok, random.Random(a.seed))
    log(f"corpus: {len(corpus.words)} words, {len(corpus.vocabulary)} key words; tokens per piece {tpp}")

    stages = parse_stages(a.stages)
    if a.mix:
        MIXES["custom"] = {k: float(v) for k, v in (p.split("=") for p in a.mix.split(","))}
        for st in stages:
            st["mix"] = "custom"
    if a.dry_run and a.stages == DEFAULT_STAGES:
        stages = [{"lo": 96, "hi": 256, "share": 0.5, "tokens": 1024, "mix": "needle_warmup"}, {"lo": 256, "hi": 600, "share": 0.5, "tokens": 1536, "mix": "needle"}]
        a.workers = min(a.workers, 2)
    model = Llama(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f}M parameters, config {json.dumps(cfg.hf_config())}")
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1, fused=device.type == "cuda")

    data = Batches(tok_path, corpus, tpp, [], stages, a.seed, cfg.pad_token_id, cfg.bos_token_id, cfg.eos_token_id)
    if a.steps:
        steps = [int(s) for s in a.steps.split(",")]
        assert len(steps) == len(stages), "--steps needs one count per stage"
    else:
        secs = probe_step_seconds(model, stages, device, cfg.vocab_size, data, max(1, a.workers), log)
        steps = [max(1, int(st["share"] * a.budget_s / s)) for st, s in zip(stages, secs)]
    log(f"schedule: steps per stage {','.join(map(str, steps))} (reproduce with --steps {','.join(map(str, steps))} --seed {a.seed})")
    stage_of_step = [i for i, n in enumerate(steps) for _ in range(n)]
    data.stage_of_step = stage_of_step
    total = len(stage_of_step)
    loader = torch.utils.data.DataLoader(
        data, batch_size=None, num_workers=a.workers, prefetch_factor=4 if a.workers > 0 else None, pin_memory=device.type == "cuda"
    )
    probe_tasks = a.probe_tasks.split(",")
    assert all(t in NIAH for t in probe_tasks), f"--probe-tasks: NIAH tasks are {list(NIAH)}"
    probes = probe_set(corpus, tpp, tok, cfg.bos_token_id, cfg.eos_token_id, probe_tasks, n=6 if a.dry_run else 48)
    t_train = time.time()
    hard_stop = a.budget_s * 1.1 + 10
    tokens_seen = 0
    acc_hist = []
    step = -1
    for batch in loader:
        step = batch["step"]
        assert step == len(acc_hist), "batches must arrive in step order"
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, a.lr)
        ids = batch["ids"].to(device, non_blocking=True)
        w = batch["weights"].to(device, non_blocking=True)
        loss, ans_loss, ans_acc = weighted_loss(model, ids, w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        acc_hist.append(ans_acc)
        tokens_seen += ids.numel()
        if step % 50 == 0 or step == total - 1 or a.dry_run:
            recent = torch.stack(acc_hist[-50:]).mean().item()
            log(
                f"step {step}/{total} stage {stage_of_step[step]} len {batch['length']} batch {tuple(ids.shape)} "
                f"loss {loss.item():.4f} answer-loss {ans_loss.item():.4f} answer-acc(50) {recent:.3f} "
                f"gnorm {gn.item():.2f} lr {lr_at(step, total, a.lr):.2e} {time.time() - t_train:.0f}s "
                f"{tokens_seen / (time.time() - t_train) / 1e3:.0f}K tok/s"
            )
        if (step % 250 == 0 and step > 0) or step == total - 1:
            log(f"probe at step {step}: exact match {100 * probe_accuracy(model, probes, device):.1f}% on {len(probes)} instances of {'/'.join(probe_tasks)} of ~768 tokens")
        if a.max_steps and step + 1 >= a.max_steps:
            log(f"--max-steps: stopping at step {step} of {total}")
            break
        if time.time() - t_train > hard_stop:
            log(f"time limit: stopping at step {step} of {total}")
            break
    train_s = time.time() - t_train
    log(f"trained {step + 1} steps in {train_s:.1f} s")

    state = model.hf_state_dict(torch.bfloat16)
    if not a.no_save:
        files = save_hf_dir(state, cfg.hf_config(), a.tokenizer, a.out, parts=a.parts)
        for name in ("tokenizer.json", "tokenizer_config.json"):
            os.remove(os.path.join(a.out, name))  # already in the repository; keeps $OUT within 8 files
        log(f"saved {files} to {a.out}")

    used = sorted({st["mix"] for st in stages})
    metrics = {
        "steps": step + 1,
        "train_seconds": train_s,
        "parameters": n_params,
        "seed": a.seed,
        "schedule_steps": steps,
        "stages": stages,
        "mixes": {m: MIXES[m] for m in used},
    }
    if a.eval:
        instances = [json.loads(line) for line in open(a.eval)]
        if a.eval_limit:
            seen = {}
            kept = []
            for inst in instances:
                k = (inst["task"], inst["length"])
                seen[k] = seen.get(k, 0) + 1
                if seen[k] <= a.eval_limit:
                    kept.append(inst)
            instances = kept
        t0 = time.time()
        # Load the saved bf16 weights back, so the numbers are those of the shipped checkpoint.
        with torch.no_grad():
            for k, v in model.state_dict().items():
                v.copy_(state[k].float())
        metrics["eval"] = evaluate(model, tok, instances, device, cfg.bos_token_id, cfg.eos_token_id, log)
        log(f"eval: {len(instances)} instances in {time.time() - t0:.1f} s")
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    log(f"done in {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main()
