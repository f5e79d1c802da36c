#!/usr/bin/env python3
"""Writes a randomly initialised one-layer addition transformer (TransformerLens
names, the paper's dimensions) as safetensors. Its answers are meaningless: it
exists only to measure throughput at digit counts without a trained model (n = 4).

usage: make-random-model.py N_DIGITS OUT.safetensors [--seed S]
"""
import argparse, json, struct
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n_digits", type=int); ap.add_argument("out"); ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n, d, h, dh, m, v = args.n_digits, 510, 3, 170, 2040, 12
    ctx = 3 * n + 3
    rng = np.random.default_rng(args.seed)
    shapes = {
        "embed.W_E": [v, d], "pos_embed.W_pos": [ctx, d],
        "blocks.0.ln1.w": [d], "blocks.0.ln1.b": [d],
        "blocks.0.attn.W_Q": [h, d, dh], "blocks.0.attn.W_K": [h, d, dh], "blocks.0.attn.W_V": [h, d, dh],
        "blocks.0.attn.b_Q": [h, dh], "blocks.0.attn.b_K": [h, dh], "blocks.0.attn.b_V": [h, dh],
        "blocks.0.attn.W_O": [h, dh, d], "blocks.0.attn.b_O": [d],
        "blocks.0.ln2.w": [d], "blocks.0.ln2.b": [d],
        "blocks.0.mlp.W_in": [d, m], "blocks.0.mlp.b_in": [m], "blocks.0.mlp.W_out": [m, d], "blocks.0.mlp.b_out": [d],
        "ln_final.w": [d], "ln_final.b": [d], "unembed.W_U": [d, v], "unembed.b_U": [v],
    }
    header, blobs, offset = {}, [], 0
    for name, shape in shapes.items():
        if name.endswith(".w"):
            data = np.ones(shape, np.float32)
        else:
            data = (rng.standard_normal(shape) * (1 / np.sqrt(shape[-2] if len(shape) > 1 else d))).astype(np.float32)
        raw = data.tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw); offset += len(raw)
    config = {"n_digits": n, "n_layers": 1, "n_heads": h, "d_model": d, "d_head": dh, "d_mlp": m, "d_vocab": v,
              "act_fn": "relu", "normalization_type": "LN", "eps": 1e-5, "n_ctx": ctx, "seed": args.seed}
    header["__metadata__"] = {"config": json.dumps(config), "note": "random weights, for throughput measurement only"}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text))); f.write(text); f.write(b"".join(blobs))

if __name__ == "__main__":
    main()
