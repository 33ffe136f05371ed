"""Writes assets/lrqk-demo-model/README.md (the model card) from what the training run and lrqk
measured: config.json, training/metrics.json, training/train.log and, when present,
training/lrqk-eval-*.json (`lrqk eval ruler --json` reports). Every number on the card comes from
those files.   python3 tools/train/model_card.py [MODEL_DIR]
"""
import glob
import json
import os
import re
import sys

BAR = 0.95  # the project's quality bar: single-needle retrieval at 4K and 8K
# The bar's task: RULER's single-needle NIAH (a 7-digit number in repeated filler text), the task
# the model is trained for. The other niah_* variants are reported beside it, not averaged in.
BAR_TASK = "niah_single_1"


def pct(x):
    return f"{100 * x:.0f}%"


def gpu_eval(metrics):
    """{(task, length): (correct, total)} from metrics.json."""
    out = {}
    for key, v in (metrics.get("eval") or {}).items():
        task, length = key.rsplit("/", 1)
        out[(task, int(length))] = (v["correct"], v["total"])
    return out


def single_accuracy(ev, length):
    c = ev.get((BAR_TASK, length))
    return None if c is None or c[1] == 0 else c[0] / c[1]


def render(dir_):
    cfg = json.load(open(os.path.join(dir_, "config.json")))
    metrics = json.load(open(os.path.join(dir_, "training", "metrics.json")))
    log = open(os.path.join(dir_, "training", "train.log")).read()
    size = os.path.getsize(os.path.join(dir_, "model.safetensors"))
    device_line = re.search(r"device (cuda \S+ [^,]+|cpu), torch (\S+),", log)
    device = device_line.group(1).replace("cuda ", "") if device_line else "unknown"
    torch_v = device_line.group(2) if device_line else "unknown"
    stopped = re.search(r"time limit: stopping at step (\d+) of (\d+)", log)
    tok_s = re.findall(r"(\d+)K tok/s", log)
    probes = re.findall(r"probe at step (\d+): exact match ([\d.]+)%", log)
    ev = gpu_eval(metrics)
    lengths = sorted({L for _, L in ev})
    tasks = sorted({t for t, _ in ev})
    acc4, acc8 = single_accuracy(ev, 4096), single_accuracy(ev, 8192)
    meets = acc4 is not None and acc8 is not None and acc4 >= BAR and acc8 >= BAR

    out = []
    w = out.append
    w("# lrqk-demo-model\n")
    w("The small model that ships with lrqk so that `pnpm demo` runs a long-context demo without a GPU")
    w("or a download. Trained from scratch by this repository's `tools/train` (its README has the recipe")
    w("and the commands); nothing here comes from a model hub. This card is written by")
    w("`tools/train/model_card.py` from the files in `training/`.\n")
    if acc4 is None:
        w("> **Status:** no held-out evaluation was recorded for these weights.\n")
    elif meets:
        w(f"> **Status:** single-needle retrieval ({BAR_TASK}) {pct(acc4)} at 4K and {pct(acc8)} at 8K tokens (held-out,")
        w(f"> full attention), at or above the project's bar of {pct(BAR)}. It does only that task: the other NIAH")
        w("> variants (needle in prose, UUID values, several keys) stay near 0% (tables below).\n")
    else:
        w(f"> **Status: below the project's bar.** Single-needle retrieval ({BAR_TASK}) is {pct(acc4)} at 4K and {pct(acc8)} at 8K tokens")
        w(f"> (held-out, full attention; the bar is {pct(BAR)}). The weights load, run and are shaped like the models LRQK")
        w("> targets, so the demo, the CLI and the tests exercise a real trained checkpoint, but the demo's answers")
        w("> are mostly wrong. `tools/train/gpu-train.sh` then `tools/train/install-model.sh` retrain and replace them.\n")

    w("## Model\n")
    w("| | |\n|---|---|")
    w(f"| architecture | `{cfg['architectures'][0]}` (transformers parameter names; loads in lrqk and in transformers 5.17) |")
    w(f"| layers / hidden / MLP | {cfg['num_hidden_layers']} / {cfg['hidden_size']} / {cfg['intermediate_size']} (SwiGLU) |")
    w(f"| attention | {cfg['num_attention_heads']} query heads, {cfg['num_key_value_heads']} KV head{'s' if cfg['num_key_value_heads'] > 1 else ''} (GQA), head_dim {cfg['head_dim']}, RoPE theta {cfg['rope_theta']:.0f}, no biases |")
    w(f"| embeddings | {'tied' if cfg.get('tie_word_embeddings') else 'untied'}, vocabulary {cfg['vocab_size']} |")
    w(f"| parameters | {metrics['parameters'] / 1e6:.2f}M |")
    w(f"| weights | `model.safetensors`, {cfg.get('torch_dtype', 'bfloat16')}, {size / 1e6:.1f} MB |")
    longest = max(s["hi"] for s in metrics["stages"])
    w(f"| context | trained on prompts of up to ~{longest} tokens; `max_position_embeddings` {cfg['max_position_embeddings']} |")
    w("| tokenizer | byte-level BPE, 4096 tokens, digits one per token, `<s>` prepended (BOS 0, EOS 1, PAD 2), trained on WikiText-2 + task text |\n")

    w("## Training\n")
    mixes = metrics.get("mixes")
    used_tasks = {t for mix in (mixes or {}).values() for t in mix}
    extras = [name for key, name in (("repeat", "a repeat (induction) drill"), ("passage", "a copying drill"), ("text", "plain WikiText-2")) if key in used_tasks]
    w("- Data, made on the fly: needle-in-a-haystack prompts from a Python port of @lrqk/eval's generators")
    w("  (`tools/train/tasks.py`: the niah_* tasks with their noise, WikiText-2 prose and needle haystacks)"
      + (", " + ", ".join(extras) if extras else "") + ".")
    if mixes:
        for name, mix in mixes.items():
            w(f"  Mix `{name}`: " + ", ".join(f"{k} {pct(v / sum(mix.values()))}" for k, v in mix.items()) + ".")
    else:
        w("  Mix (run 1, recorded in tools/train/README.md): the eight niah_* tasks, 6% plain text, no copying drill.")
    w("- Loss weight 1 on the answer and its EOS, 0.02 on prompt tokens" + (", 0.05 on plain text" if "text" in used_tasks or not mixes else "") + "; AdamW (0.9, 0.95),")
    w("  weight decay 0.1, lr 2e-3 after 150 warm-up steps, cosine to 10% over the last 40% of the steps.")
    w(f"- Curriculum (seed {metrics['seed']}; prompt lengths in tokens, share of the time budget, tokens per batch, task mix, steps):\n")
    w("| stage | lengths | share | tokens/batch | mix | steps |\n|---|---|---|---|---|---|")
    for i, (s, n) in enumerate(zip(metrics["stages"], metrics["schedule_steps"])):
        w(f"| {i} | {s['lo']}–{s['hi']} | {pct(s['share'])} | {s['tokens']} | {s.get('mix', 'main')} | {n} |")
    w("")
    w(f"- Hardware and time: {device}, torch {torch_v}, bf16 autocast; {metrics['steps']} steps in {metrics['train_seconds']:.1f} s"
      + (f" ({tok_s[-1]}K tokens/s)" if tok_s else "")
      + (f"; the time limit stopped the schedule at step {stopped.group(1)} of {stopped.group(2)}" if stopped else "") + ".")
    if probes:
        w("- Retrieval during training (48 fixed single-needle prompts of ~768 tokens from tasks.py, exact match): "
          + ", ".join(f"step {s}: {float(a):.0f}%" for s, a in probes) + ".")
    w("- Full log and numbers: `training/train.log`, `training/metrics.json`.")
    if os.path.isdir(os.path.join(dir_, "training", "run1")):
        w("- Earlier: run 1 (`training/run1/`, 6 x 512 model, all niah_* tasks from 256-token prompts) learned no")
        w("  retrieval; run 2 (`training/run2/`, the GUIDE's passkey recipe from 384-token prompts) reached 10% at 4K;")
        w("  the run-3 sweep (`training/run3-sweep/`: four recipes sharing one GPU for 4 minutes) showed retrieval")
        w("  emerging within ~1000 steps once the curriculum starts at 128-token prompts. tools/train/README.md has")
        w("  the details.")
    w("")

    w("## Evaluation\n")
    w("Held-out instances made by @lrqk/eval's own generators (`lrqk eval gen`, seed 2026; training never")
    w("used that generator or seed).\n")
    if ev:
        w("On the GPU at the end of training (bf16; exact match by teacher forcing, which is greedy decoding")
        w("reproducing the answer and EOS exactly — stricter than RULER's string match):\n")
        w("| task | " + " | ".join(f"{n // 1024}K" for n in lengths) + " |")
        w("|---|" + "---|" * len(lengths))
        for t in tasks:
            cells = []
            for n in lengths:
                c = ev.get((t, n))
                cells.append("" if c is None else f"{c[0]}/{c[1]} ({pct(c[0] / c[1])})")
            w(f"| {t} | " + " | ".join(cells) + " |")
        w("")
    def first_length(path):
        return min((c["length"] for c in json.load(open(path))["cells"]), default=0)

    reports = sorted(glob.glob(os.path.join(dir_, "training", "lrqk-eval-*.json")), key=first_length)
    for rp in reports:
        r = json.load(open(rp))
        w(f"With lrqk itself on the CPU (`{os.path.basename(rp)}`: `lrqk eval ruler`, f32, greedy, "
          f"{r['settings']['maxNewTokens']} new tokens, RULER's string match, seed {r['settings']['seed']}; prefill is wall time "
          "on the 2-core machine):\n")
        w("| method | length | task | n | score | prefill | hit rate |\n|---|---|---|---|---|---|---|")
        for c in r["cells"]:
            hit = c["means"].get("hitRate")
            w(f"| {c['method']} | {c['length']} | {c['task']} | {c['n']} | {pct(c['score'] / 100)} | "
              f"{c['means']['prefillMs'] / 1000:.1f} s | {'' if hit is None else pct(hit)} |")
        w("")

    w("## What it can and cannot do\n")
    if meets:
        w("- Can: find the 7-digit number hidden in repeated filler text and repeat it, in the prompt format of")
        w("  @lrqk/eval's niah_single_1 task, up to the lengths where the tables above say so (it was trained on")
        w("  prompts up to ~8K tokens; beyond that accuracy falls); run on the CPU in seconds per 4K-token prompt;")
        w("  serve as a real checkpoint of the right shape for LRQK (GQA, head_dim 128).")
        w("- Cannot: find a needle in natural prose (niah_single_2), copy UUIDs (niah_single_3), tell several keys")
        w("  apart (niah_multikey_*): it was trained on niah_single_1 only, to meet the bar within one 9-minute run.")
    else:
        w("- Can: load in lrqk on the CPU or a GPU; produce WikiText-like text and the answer format of the NIAH")
        w("  tasks; serve as a real checkpoint of the right shape for LRQK (GQA, head_dim 128).")
        w("- Cannot (these weights): retrieve the hidden fact reliably (tables above).")
    w("- Cannot: answer anything outside the NIAH prompt format, chat (no chat template), or do what a general")
    w("  language model does. It has seen synthetic prompts built from 1.2 MB of WikiText, nothing else.\n")
    w("## License and data\n")
    w("Trained on the WikiText-2 test split (Merity et al. 2016, CC BY-SA 3.0; shipped in `packages/eval/data`)")
    w("and synthetic text. Weights under the repository's license (Apache-2.0).")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "assets", "lrqk-demo-model")
    text = render(d)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(text)
    print(f"wrote {os.path.join(d, 'README.md')}")
