#!/usr/bin/env python3
"""Independent full cross-check of `carrylens enumerate`: runs the plain NumPy
full-sequence forward pass (the shared baseline's model code, imported, not
copied) on canonical indices [start, start + count) and writes every question
whose teacher-forced argmax answer is wrong as CSV `index,a,b,model_answer`.

usage: numpy-crosscheck.py BASELINE_DIR MODEL --out FILE [--start I] [--count N] [--batch B]
"""
import argparse, sys, time
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline_dir"); ap.add_argument("model"); ap.add_argument("--out", required=True)
    ap.add_argument("--start", type=int, default=0); ap.add_argument("--count", type=int)
    ap.add_argument("--batch", type=int, default=2048)
    args = ap.parse_args()
    sys.path.insert(0, args.baseline_dir)
    import numpy_bruteforce as base
    params, config = base.load(args.model)
    n = config["n_digits"]; limit = 10 ** n
    count = args.count if args.count is not None else limit * limit - args.start
    started = time.time(); wrong = 0
    with open(args.out, "w") as out:
        out.write("index,a,b,model_answer\n")
        for s0 in range(args.start, args.start + count, args.batch):
            idx = np.arange(s0, min(args.start + count, s0 + args.batch), dtype=np.int64)
            toks = base.tokens(idx // limit, idx % limit, n)
            pred = base.forward(params, config, toks)[:, 2 * n + 1:-1].argmax(-1)
            bad = (pred != toks[:, 2 * n + 2:]).any(-1)
            for row in np.nonzero(bad)[0]:
                i = int(idx[row]); wrong += 1
                out.write(f"{i},{i // limit},{i % limit},{''.join(str(int(d)) for d in pred[row])}\n")
            out.flush()
    print(f'{{"count": {count}, "wrong": {wrong}, "seconds": {time.time() - started:.1f}}}')

if __name__ == "__main__":
    main()
