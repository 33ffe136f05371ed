"""Writes the PyTorch model's logits for a token sequence, for tools/train/parity.ts to compare
with lrqk's on the same checkpoint:  python3 parity_dump.py DIR OUT_PREFIX [n_tokens]"""
import json
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama  # noqa: E402

dir_, prefix = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
cfg = Config.from_json(os.path.join(dir_, "config.json"))
model = Llama(cfg)
state = {k: v.float() for k, v in load_file(os.path.join(dir_, "model.safetensors")).items()}
missing, unexpected = model.load_state_dict(state, strict=True), None
g = torch.Generator().manual_seed(1)
ids = [cfg.bos_token_id] + torch.randint(3, cfg.vocab_size, (n - 1,), generator=g).tolist()
with torch.no_grad():
    logits = model(torch.tensor([ids]))[0, -4:].float()
with open(prefix + ".ids.json", "w") as f:
    json.dump(ids, f)
logits.numpy().astype("float32").tofile(prefix + ".logits.f32")
print(f"wrote {prefix}.ids.json and .logits.f32 ({n} tokens, last 4 rows)")
