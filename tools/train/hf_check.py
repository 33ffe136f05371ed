"""Loads the exported checkpoint with transformers' LlamaForCausalLM (an implementation nobody here
wrote) and compares its logits with tools/train/model.py's on the same weights and ids.

    python3 tools/train/hf_check.py DIR     (DIR: config.json + model.safetensors or model.part*.safetensors)
"""
import os
import shutil
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import join_parts  # noqa: E402
from model import Config, Llama  # noqa: E402
from safetensors.torch import load_file  # noqa: E402


def main(src: str) -> None:
    from transformers import LlamaForCausalLM

    tmp = tempfile.mkdtemp()
    for f in os.listdir(src):
        if f.endswith(".json") or f.endswith(".safetensors"):
            shutil.copy(os.path.join(src, f), tmp)
    if not os.path.exists(os.path.join(tmp, "model.safetensors")):
        join_parts(tmp)
    cfg = Config.from_json(os.path.join(tmp, "config.json"))
    ours = Llama(cfg)
    ours.load_state_dict({k: v.float() for k, v in load_file(os.path.join(tmp, "model.safetensors")).items()})
    hf = LlamaForCausalLM.from_pretrained(tmp, dtype=torch.float32, attn_implementation="eager")
    g = torch.Generator().manual_seed(0)
    ids = torch.cat([torch.tensor([[cfg.bos_token_id]]), torch.randint(3, cfg.vocab_size, (1, 1023), generator=g)], dim=1)
    with torch.no_grad():
        a = ours(ids)[0]
        b = hf(ids).logits[0].float()
    err = (a - b).abs().max().item()
    print(f"hf_check: transformers LlamaForCausalLM vs model.py, 1024 tokens: max abs logit diff {err:.2e} (max |logit| {b.abs().max().item():.2f})")


if __name__ == "__main__":
    main(sys.argv[1])
