"""Split raw.csv into train.csv and test.csv, shuffled with the stage seed (REPRO_SEED)."""
import csv, json, os, random, sys

def main(raw, out_dir):
    with open("params.yaml") as f:
        split = float(next(l for l in f if "split:" in l).split(":")[1].split("#")[0])
    rows = list(csv.reader(open(raw)))
    header, rows = rows[0], rows[1:]
    random.Random(int(os.environ.get("REPRO_SEED", "0"))).shuffle(rows)
    n_test = int(len(rows) * split)
    os.makedirs(out_dir, exist_ok=True)
    for name, part in (("test.csv", rows[:n_test]), ("train.csv", rows[n_test:])):
        with open(os.path.join(out_dir, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(part)
    print(f"prepared {len(rows) - n_test} train / {n_test} test rows", file=sys.stderr)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
