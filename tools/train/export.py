"""Writing the trained model as a Hugging Face model directory (config.json, model.safetensors,
generation_config.json, tokenizer files), and joining a checkpoint that came back in parts."""
import json
import os
import shutil

from safetensors.torch import load_file, save_file

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def write_json(path: str, value: dict) -> None:
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def save_hf_dir(state: dict, hf_config: dict, tokenizer_dir: str, out: str, parts: int = 1) -> list:
    """Saves the directory; with parts > 1 the weights go to model.partN.safetensors files (each
    under the device machine's 16 MiB limit for returned files), to be joined by `join_parts`."""
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "config.json"), hf_config)
    write_json(
        os.path.join(out, "generation_config.json"),
        {
            "bos_token_id": hf_config["bos_token_id"],
            "eos_token_id": hf_config["eos_token_id"],
            "pad_token_id": hf_config["pad_token_id"],
            "do_sample": False,
        },
    )
    for name in TOKENIZER_FILES:
        if os.path.abspath(tokenizer_dir) != os.path.abspath(out):
            shutil.copy(os.path.join(tokenizer_dir, name), os.path.join(out, name))
    meta = {"format": "pt"}
    if parts <= 1:
        save_file(state, os.path.join(out, "model.safetensors"), metadata=meta)
        return ["model.safetensors"]
    names = sorted(state)
    files = []
    for i in range(parts):
        chunk = {k: state[k] for k in names[i::parts]}
        f = f"model.part{i}.safetensors"
        save_file(chunk, os.path.join(out, f), metadata=meta)
        files.append(f)
    return files


def join_parts(dir_: str) -> None:
    """model.part*.safetensors -> model.safetensors (then removes the parts)."""
    parts = sorted(f for f in os.listdir(dir_) if f.startswith("model.part") and f.endswith(".safetensors"))
    assert parts, f"no model.part*.safetensors in {dir_}"
    state = {}
    for f in parts:
        state.update(load_file(os.path.join(dir_, f)))
    save_file(dict(sorted(state.items())), os.path.join(dir_, "model.safetensors"), metadata={"format": "pt"})
    for f in parts:
        os.remove(os.path.join(dir_, f))


if __name__ == "__main__":
    import sys

    join_parts(sys.argv[1])
