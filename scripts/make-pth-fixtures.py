#!/usr/bin/env python3
"""Makes the PyTorch checkpoint fixtures in fixtures/pth/ with real PyTorch.

Run once, outside the test suite (the outputs are committed):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch
    /tmp/torchvenv/bin/python scripts/make-pth-fixtures.py

It writes, with torch.save (the zip format):

- tiny_f32.pth, tiny_f16.pth, tiny_bf16.pth: a small random model shaped like a
  TransformerLens HookedTransformer state dict for n = 1 (n_ctx 6, d_vocab 12,
  d_model 8, 3 heads of d_head 4, d_mlp 16), F32/F16/BF16, with the
  TransformerLens buffers blocks.0.attn.mask and blocks.0.attn.IGNORE;
- tiny_f32_nobuffers.pth: the F32 model without those buffers;
- tiny_f32_strided.pth: the F32 model with unembed.W_U saved as a transposed
  (non-contiguous) view of a [d_vocab, d_model] tensor, so the reader must follow
  strides;
- tiny_<dtype>.expected.safetensors for each checkpoint: the same parameters
  widened to F32 by PyTorch (tensor.float()), the reference the Swift reader's
  own widening is compared with;
- tiny.config.json: the model's HookedTransformerConfig fields as JSON (written
  by hand with TransformerLens's key names; TransformerLens itself is not needed);
- add3_l1_h3_s129000.pth: fixtures/models/add3_l1_h3_s129000.safetensors as a
  TransformerLens state dict (F32, with buffers), whose logits must equal the
  safetensors model's exactly.
"""
import json
import os
import struct
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "pth")

# TransformerLens state_dict order for a one-layer model (buffers after each module's parameters).
ORDER = [
    "embed.W_E", "pos_embed.W_pos",
    "blocks.0.ln1.w", "blocks.0.ln1.b", "blocks.0.ln2.w", "blocks.0.ln2.b",
    "blocks.0.attn.W_Q", "blocks.0.attn.W_O", "blocks.0.attn.b_Q", "blocks.0.attn.b_O",
    "blocks.0.attn.W_K", "blocks.0.attn.W_V", "blocks.0.attn.b_K", "blocks.0.attn.b_V",
    "blocks.0.attn.mask", "blocks.0.attn.IGNORE",
    "blocks.0.mlp.W_in", "blocks.0.mlp.b_in", "blocks.0.mlp.W_out", "blocks.0.mlp.b_out",
    "ln_final.w", "ln_final.b", "unembed.W_U", "unembed.b_U",
]
BUFFERS = {"blocks.0.attn.mask", "blocks.0.attn.IGNORE"}


def read_safetensors(path):
    """Tensors and metadata of an F32 safetensors file (stdlib parsing, no extra package)."""
    with open(path, "rb") as handle:
        length = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(length))
        buffer = handle.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(buffer[begin:end]), dtype=torch.float32).reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes F32 tensors as safetensors (sorted names, back to back)."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        values = tensors[name].to(torch.float32).flatten().tolist()
        data = struct.pack("<%df" % len(values), *values)  # float32 -> double -> float32 is exact
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def module(parameters, with_buffers):
    """A torch.nn.Module with TransformerLens's module tree and names, so that
    state_dict() has TransformerLens's keys, order and _metadata."""
    nn = torch.nn
    root = nn.Module()

    def attach(path, tensor):
        owner = root
        parts = path.split(".")
        for part in parts[:-1]:
            if part == "blocks" and not hasattr(owner, "blocks"):
                owner.blocks = nn.ModuleList([nn.Module()])
            elif not hasattr(owner, part) and not (part.isdigit()):
                setattr(owner, part, nn.Module())
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        setattr(owner, parts[-1], nn.Parameter(tensor, requires_grad=True))

    for name in ORDER:
        if name in parameters:
            attach(name, parameters[name])
        elif name in BUFFERS and with_buffers:
            n_ctx = parameters["pos_embed.W_pos"].shape[0]
            attention = root.blocks[0].attn
            if name.endswith("mask"):
                attention.register_buffer("mask", torch.tril(torch.ones((n_ctx, n_ctx))).bool())
            else:
                attention.register_buffer("IGNORE", torch.tensor(-torch.inf))
    return root


def tiny_parameters():
    generator = torch.Generator().manual_seed(20260101)
    v, n_ctx, d, h, dh, m = 12, 6, 8, 3, 4, 16

    def random(*shape, scale=0.5):
        return torch.randn(*shape, generator=generator) * scale

    return {
        "embed.W_E": random(v, d), "pos_embed.W_pos": random(n_ctx, d),
        "blocks.0.ln1.w": 1 + random(d, scale=0.1), "blocks.0.ln1.b": random(d, scale=0.1),
        "blocks.0.ln2.w": 1 + random(d, scale=0.1), "blocks.0.ln2.b": random(d, scale=0.1),
        "blocks.0.attn.W_Q": random(h, d, dh), "blocks.0.attn.W_K": random(h, d, dh), "blocks.0.attn.W_V": random(h, d, dh),
        "blocks.0.attn.b_Q": random(h, dh), "blocks.0.attn.b_K": random(h, dh), "blocks.0.attn.b_V": random(h, dh),
        "blocks.0.attn.W_O": random(h, dh, d), "blocks.0.attn.b_O": random(d),
        "blocks.0.mlp.W_in": random(d, m), "blocks.0.mlp.b_in": random(m),
        "blocks.0.mlp.W_out": random(m, d), "blocks.0.mlp.b_out": random(d),
        "ln_final.w": 1 + random(d, scale=0.1), "ln_final.b": random(d, scale=0.1),
        "unembed.W_U": random(d, v), "unembed.b_U": random(v),
    }


TINY_CONFIG = {
    "n_layers": 1, "d_model": 8, "n_ctx": 6, "d_head": 4, "model_name": "custom", "n_heads": 3,
    "d_mlp": 16, "act_fn": "relu", "d_vocab": 12, "eps": 1e-05, "use_attn_result": False,
    "use_attn_scale": True, "use_split_qkv_input": False, "use_hook_mlp_in": False,
    "use_attn_in": False, "use_local_attn": False, "original_architecture": None,
    "from_checkpoint": False, "checkpoint_index": None, "checkpoint_label_type": None,
    "checkpoint_value": None, "tokenizer_name": None, "window_size": None, "attn_types": None,
    "init_mode": "gpt2", "normalization_type": "LN", "device": "cpu", "n_devices": 1,
    "attention_dir": "causal", "attn_only": False, "seed": 20260101, "initializer_range": 0.2,
    "init_weights": True, "scale_attn_by_inverse_layer_idx": False, "positional_embedding_type": "standard",
    "final_rms": False, "d_vocab_out": 12, "parallel_attn_mlp": False, "rotary_dim": None,
    "n_params": 0, "use_hook_tokens": False, "gated_mlp": False, "default_prepend_bos": True,
    "dtype": "torch.float32", "tokenizer_prepends_bos": None, "n_key_value_heads": None,
    "post_embedding_ln": False, "rotary_base": 10000, "trust_remote_code": False,
    "rotary_adjacent_pairs": False,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    parameters = tiny_parameters()
    config_metadata = {"config": json.dumps({
        "n_digits": 1, "n_layers": 1, "n_heads": 3, "d_model": 8, "d_head": 4, "d_mlp": 16, "d_vocab": 12,
        "n_ctx": 6, "act_fn": "relu", "normalization_type": "LN", "eps": 1e-05})}
    variants = {
        "tiny_f32": (torch.float32, True),
        "tiny_f16": (torch.float16, True),
        "tiny_bf16": (torch.bfloat16, True),
        "tiny_f32_nobuffers": (torch.float32, False),
    }
    for name, (dtype, with_buffers) in variants.items():
        state = module(parameters, with_buffers).to(dtype).state_dict()
        torch.save(state, os.path.join(OUT, name + ".pth"))
        widened = {key: value.float() for key, value in state.items() if key not in BUFFERS}
        write_safetensors(os.path.join(OUT, name + ".expected.safetensors"), widened, config_metadata)
    strided = dict(parameters)
    strided["unembed.W_U"] = parameters["unembed.W_U"].t().contiguous().t()  # same values, strides (1, d_model)
    assert not strided["unembed.W_U"].is_contiguous()
    state = module(strided, True).state_dict()
    assert not state["unembed.W_U"].is_contiguous()
    torch.save(state, os.path.join(OUT, "tiny_f32_strided.pth"))
    write_safetensors(os.path.join(OUT, "tiny_f32_strided.expected.safetensors"), parameters, config_metadata)
    with open(os.path.join(OUT, "tiny.config.json"), "w") as handle:
        json.dump(TINY_CONFIG, handle, indent=2, sort_keys=True)
        handle.write("\n")

    tensors, _ = read_safetensors(os.path.join(ROOT, "fixtures", "models", "add3_l1_h3_s129000.safetensors"))
    torch.save(module(tensors, True).state_dict(), os.path.join(OUT, "add3_l1_h3_s129000.pth"))
    print("torch", torch.__version__, "wrote", sorted(os.listdir(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
