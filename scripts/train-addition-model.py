#!/usr/bin/env python3
"""Trains a one-layer addition transformer with the recipe of the shipped reference
models (fixtures/README.md) and writes it as safetensors with TransformerLens names,
the same `__metadata__` keys as the fixtures, and a test-vector file beside it.

The architecture is TransformerLens's HookedTransformer for this task, written out in
plain PyTorch: pre-LayerNorm (eps 1e-5), 3 heads of 170, d_model 510, d_mlp 2040, ReLU,
learned positions, causal attention scaled by sqrt(d_head), no weight tying.
Training: AdamW lr 8e-5, weight decay 0.1, betas (0.9, 0.98), warm-up min(step/10, 1),
batch 64 of fresh uniform questions; in 20% of batches 20% of the digit pairs are
rewritten to sum to 9; cross-entropy on the n + 1 answer tokens only.

usage: train-addition-model.py N_DIGITS OUT.safetensors [--steps S] [--seed S] [--threads T]
Needs torch (pip install torch). Used for the n = 4 model in fixtures/models.
"""
import argparse, json, math, struct, time
import numpy as np
import torch

D_MODEL, N_HEADS, D_HEAD, D_MLP, VOCAB, EPS = 510, 3, 170, 2040, 12, 1e-5
PLUS, EQUALS = 10, 11


def digits(x, n):
    """Most significant first: [..., n] digits of the integers x."""
    powers = 10 ** torch.arange(n - 1, -1, -1)
    return (x.unsqueeze(-1) // powers) % 10


def batch(n, size, generator, enrich):
    a_digits = torch.randint(0, 10, (size, n), generator=generator)
    b_digits = torch.randint(0, 10, (size, n), generator=generator)
    if enrich:
        chosen = torch.rand((size, n), generator=generator) < 0.2
        b_digits = torch.where(chosen, 9 - a_digits, b_digits)
    powers = 10 ** torch.arange(n - 1, -1, -1)
    a = (a_digits * powers).sum(-1)
    b = (b_digits * powers).sum(-1)
    answer = digits(a + b, n + 1)
    plus = torch.full((size, 1), PLUS)
    equals = torch.full((size, 1), EQUALS)
    return torch.cat([a_digits, plus, b_digits, equals, answer], dim=1)


class AdditionTransformer(torch.nn.Module):
    def __init__(self, n_ctx, generator):
        super().__init__()
        std = 0.8 / math.sqrt(D_MODEL)  # TransformerLens's default initializer range

        def normal(*shape):
            return torch.nn.Parameter(torch.randn(*shape, generator=generator) * std)

        def zeros(*shape):
            return torch.nn.Parameter(torch.zeros(*shape))

        def ones(*shape):
            return torch.nn.Parameter(torch.ones(*shape))

        parameters = {
            "embed.W_E": normal(VOCAB, D_MODEL), "pos_embed.W_pos": normal(n_ctx, D_MODEL),
            "blocks.0.ln1.w": ones(D_MODEL), "blocks.0.ln1.b": zeros(D_MODEL),
            "blocks.0.attn.W_Q": normal(N_HEADS, D_MODEL, D_HEAD), "blocks.0.attn.W_K": normal(N_HEADS, D_MODEL, D_HEAD),
            "blocks.0.attn.W_V": normal(N_HEADS, D_MODEL, D_HEAD), "blocks.0.attn.W_O": normal(N_HEADS, D_HEAD, D_MODEL),
            "blocks.0.attn.b_Q": zeros(N_HEADS, D_HEAD), "blocks.0.attn.b_K": zeros(N_HEADS, D_HEAD),
            "blocks.0.attn.b_V": zeros(N_HEADS, D_HEAD), "blocks.0.attn.b_O": zeros(D_MODEL),
            "blocks.0.ln2.w": ones(D_MODEL), "blocks.0.ln2.b": zeros(D_MODEL),
            "blocks.0.mlp.W_in": normal(D_MODEL, D_MLP), "blocks.0.mlp.b_in": zeros(D_MLP),
            "blocks.0.mlp.W_out": normal(D_MLP, D_MODEL), "blocks.0.mlp.b_out": zeros(D_MODEL),
            "ln_final.w": ones(D_MODEL), "ln_final.b": zeros(D_MODEL),
            "unembed.W_U": normal(D_MODEL, VOCAB), "unembed.b_U": zeros(VOCAB),
        # ParameterDict keys may not contain '.': stored with '/' for '.'.
        }.items()
        self.p = torch.nn.ParameterDict({name.replace(".", "/"): value for name, value in parameters})

    def w(self, name):
        return self.p[name.replace(".", "/")]

    def named_weights(self):
        return {key.replace("/", "."): value for key, value in self.p.items()}

    @staticmethod
    def layer_norm(x, w, b):
        x = x - x.mean(-1, keepdim=True)
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + EPS) * w + b

    def forward(self, tokens, queries):
        """Logits at the positions `queries` (a slice). One layer: the MLP and the
        unembedding at a position read only that position's residual, so positions the
        loss does not read are left out (same values and gradients)."""
        w = self.w
        length = tokens.shape[1]
        x = w("embed.W_E")[tokens] + w("pos_embed.W_pos")[:length]
        h = self.layer_norm(x, w("blocks.0.ln1.w"), w("blocks.0.ln1.b"))
        q = torch.einsum("bpd,hde->bhpe", h[:, queries], w("blocks.0.attn.W_Q")) + w("blocks.0.attn.b_Q")[None, :, None, :]
        k = torch.einsum("bpd,hde->bhpe", h, w("blocks.0.attn.W_K")) + w("blocks.0.attn.b_K")[None, :, None, :]
        v = torch.einsum("bpd,hde->bhpe", h, w("blocks.0.attn.W_V")) + w("blocks.0.attn.b_V")[None, :, None, :]
        scores = torch.einsum("bhqe,bhke->bhqk", q, k) / math.sqrt(D_HEAD)
        mask = torch.arange(length)[None, :] <= torch.arange(length)[queries][:, None]  # causal: key <= query
        scores = scores.masked_fill(~mask, float("-inf"))
        pattern = scores.softmax(-1)
        z = torch.einsum("bhqk,bhke->bhqe", pattern, v)
        x = x[:, queries] + torch.einsum("bhqe,hed->bqd", z, w("blocks.0.attn.W_O")) + w("blocks.0.attn.b_O")
        h = self.layer_norm(x, w("blocks.0.ln2.w"), w("blocks.0.ln2.b"))
        x = x + torch.relu(h @ w("blocks.0.mlp.W_in") + w("blocks.0.mlp.b_in")) @ w("blocks.0.mlp.W_out") + w("blocks.0.mlp.b_out")
        h = self.layer_norm(x, w("ln_final.w"), w("ln_final.b"))
        return h @ w("unembed.W_U") + w("unembed.b_U")


def answer_logits(model, tokens, n):
    """Logits at the n + 1 answer-predicting positions (2n+1 .. 3n+1) and their targets."""
    return model(tokens, slice(2 * n + 1, 3 * n + 2)), tokens[:, 2 * n + 2:3 * n + 3]


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    for name, (dtype, array) in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n_digits", type=int)
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=129000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    n = args.n_digits
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(args.seed)
    n_ctx = 3 * n + 3
    model = AdditionTransformer(n_ctx, generator)
    optimizer = torch.optim.AdamW(model.parameters(), lr=8e-5, weight_decay=0.1, betas=(0.9, 0.98))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(step / 10, 1))
    history, started = [], time.time()
    for step in range(args.steps):
        enrich = torch.rand((), generator=generator).item() < 0.2
        tokens = batch(n, 64, generator, enrich)
        logits, targets = answer_logits(model, tokens, n)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 1000 == 0 or step == args.steps - 1:
            history.append([step, loss.item()])
            print(json.dumps({"step": step, "loss": loss.item(), "seconds": round(time.time() - started, 1)}), flush=True)
    tensors = {name: ("F32", p.detach().numpy().astype(np.float32)) for name, p in model.named_weights().items()}
    config = {"n_digits": n, "n_layers": 1, "n_heads": N_HEADS, "d_model": D_MODEL, "d_head": D_HEAD, "d_mlp": D_MLP,
              "d_vocab": VOCAB, "act_fn": "relu", "normalization_type": "LN", "eps": EPS, "seed": args.seed,
              "lr": 8e-5, "weight_decay": 0.1, "batch_size": 64, "steps": args.steps, "warmup": 0, "n_ctx": n_ctx,
              "steps_done": args.steps, "betas": [0.9, 0.98]}
    training = {"optimizer": "AdamW", "lr": 8e-5, "weight_decay": 0.1, "betas": [0.9, 0.98],
                "warmup": "LambdaLR min(step/10,1)", "batch_size": 64, "steps": args.steps,
                "data": "uniform digits; in 20% of batches 20% of digit pairs set to sum 9",
                "trainer": "scripts/train-addition-model.py (CarryLens)", "loss_history": history}
    write_safetensors(args.out, tensors, {
        "config": json.dumps(config), "format": "pt", "tokens": json.dumps({"digits": "0-9", "+": PLUS, "=": EQUALS}),
        "layout": "D(n-1)..D0 + D'(n-1)..D'0 = A(n)..A0, most significant digit first; loss on answer tokens",
        "training": json.dumps(training)})
    # Test vectors: special cases, then uniform questions; fp32 teacher-forced logits.
    top = 10 ** n - 1
    special = [(0, 0), (top, top), (top, 1), (1, top), (top // 2, top - top // 2)]
    special += [(int("4" * n), int("5" * (n - 1) + "6")), (int("0" + "4" * (n - 1)), int("0" + "5" * (n - 2) + "6")) if n > 1 else (4, 6)]
    rng = np.random.default_rng(args.seed + 1)
    uniform = [(int(x), int(y)) for x, y in zip(rng.integers(0, top + 1, 1000 - len(special)), rng.integers(0, top + 1, 1000 - len(special)))]
    pairs = special + uniform
    a = torch.tensor([p[0] for p in pairs])
    b = torch.tensor([p[1] for p in pairs])
    answer = digits(a + b, n + 1)
    tokens = torch.cat([digits(a, n), torch.full((len(pairs), 1), PLUS), digits(b, n), torch.full((len(pairs), 1), EQUALS), answer], 1)
    with torch.no_grad():
        logits, _ = answer_logits(model, tokens, n)
    vectors = args.out.removesuffix(".safetensors") + ".vectors.safetensors"
    write_safetensors(vectors, {"a": ("I64", a.numpy()), "b": ("I64", b.numpy()), "answer_tokens": ("I64", answer.numpy()),
                                "logits": ("F32", logits.numpy().astype(np.float32))}, {})
    accuracy = (logits.argmax(-1) == answer).all(-1).float().mean().item()
    print(json.dumps({"written": args.out, "vectors": vectors, "vector_accuracy": accuracy}))


if __name__ == "__main__":
    main()
