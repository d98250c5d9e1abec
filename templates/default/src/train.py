"""Logistic regression by full-batch gradient descent, standard library only.

Reads params.yaml's train section, writes the model, metrics/train.json and plots/loss.csv.
Initial weights are drawn from REPRO_SEED, so different seeds give slightly different results.
"""
import csv, json, math, os, random, sys

def load(path):
    rows = list(csv.reader(open(path)))[1:]
    return [[float(v) for v in r[:-1]] for r in rows], [int(r[-1]) for r in rows]

def params():
    out, section = {}, None
    for line in open("params.yaml"):
        line = line.split("#")[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.strip().rstrip(":")
        elif section == "train":
            k, v = line.strip().split(":")
            out[k.strip()] = float(v)
    return out

def main(data_dir, model_path):
    p = params()
    X, y = load(os.path.join(data_dir, "train.csv"))
    Xt, yt = load(os.path.join(data_dir, "test.csv"))
    rng = random.Random(int(os.environ.get("REPRO_SEED", "0")))
    w = [rng.gauss(0, 0.5) for _ in X[0]]
    b = 0.0
    sig = lambda z: 1 / (1 + math.exp(-max(-30, min(30, z))))
    losses = []
    for epoch in range(int(p["epochs"])):
        gw, gb, loss = [0.0] * len(w), 0.0, 0.0
        for xi, yi in zip(X, y):
            pr = sig(sum(a * c for a, c in zip(w, xi)) + b)
            loss -= yi * math.log(pr + 1e-12) + (1 - yi) * math.log(1 - pr + 1e-12)
            for j, xv in enumerate(xi):
                gw[j] += (pr - yi) * xv
            gb += pr - yi
        n = len(X)
        w = [wj - p["lr"] * (g / n + p["l2"] * wj) for wj, g in zip(w, gw)]
        b -= p["lr"] * gb / n
        losses.append(loss / n)
    correct = sum((sig(sum(a * c for a, c in zip(w, xi)) + b) > 0.5) == bool(yi) for xi, yi in zip(Xt, yt))
    os.makedirs(os.path.dirname(model_path) or ".", exist_ok=True)
    json.dump({"w": [round(v, 6) for v in w], "b": round(b, 6)}, open(model_path, "w"), indent=2)
    os.makedirs("metrics", exist_ok=True)
    json.dump({"accuracy": round(correct / len(Xt), 4), "loss": round(losses[-1], 4)}, open("metrics/train.json", "w"), indent=2)
    os.makedirs("plots", exist_ok=True)
    with open("plots/loss.csv", "w") as f:
        f.write("epoch,loss\n" + "".join(f"{i},{l:.6f}\n" for i, l in enumerate(losses)))
    print(f"accuracy {correct / len(Xt):.4f}", file=sys.stderr)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
