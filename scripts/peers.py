#!/usr/bin/env python3
"""Peer near-duplicate pipelines for the neardup benchmark (scripts/bench.sh).

Runs one of two Python MinHash libraries over the same pages.jsonl that `neardup scan` reads,
with the same shingling as neardup's default (`--tokenizer char --ngram 5`), and writes a report
directory that `neardup-score` can score:

    peers.py --tool datasketch|rensa --input DIR/pages.jsonl --out REPORTDIR [--json OUT.json]

Pipeline, all of it timed: read the JSONL, normalize, shingle into character 5-grams, MinHash
(128 permutations), build the library's LSH index (threshold 0.5), query it for every document,
union-find the candidate pairs into clusters, write the report. The time of each stage is
printed; `normalize_shingle` is the Python normalization and shingling (the same code for both
peers), `fingerprint` the library's MinHash.

- datasketch: `MinHash(num_perm=128)` fed with `update_batch` (its vectorized path, default
  SHA-1 based hash), `MinHashLSH(threshold=0.5, num_perm=128)`, which picks its own bands and rows.
- rensa: `RMinHash(num_perm=128, seed=42)` and `RMinHashLSH(threshold=0.5, num_perm=128,
  num_bands=B)`; rensa needs a band count that divides 128, and B is the divisor with the
  lowest datasketch cost at the same threshold (datasketch itself picks 25 bands of 5 rows,
  which rensa does not accept).

The report:
- `pairs.csv`: every LSH candidate pair, in neardup's columns
  (`doc_a,doc_b,jaccard_estimate,jaccard,containment_a_in_b,containment_b_in_a`). Peers have no
  exact verification, so every similarity column repeats the MinHash estimate.
- `documents.csv`: `doc_id,url,cluster_id,role,representative_id`; a union-find cluster's first
  document is its representative, the others are `duplicate`. neardup-score counts every pair of
  a cluster, as it does for neardup's own clusters.

With `--verify-estimate` candidate pairs whose MinHash estimate is below the threshold are dropped
before clustering (rensa's own deduplicator does this); the benchmark runs without it: the plain
"LSH candidates → union-find" pipeline.

Peak RSS is measured by the caller (/usr/bin/time -v) and here with getrusage; both include the
interpreter and the imported libraries.
"""

import argparse
import csv
import json
import os
import re
import resource
import sys
import time
import unicodedata

# ---------------------------------------------------------------------------------------------
# Normalization: as close to neardup's src/normalize as is practical in a few lines of Python.
#
# Replicated: per line NFKC, lowercase, digit runs and `*` runs fold to one '#', everything that
# is not a letter or digit (or '#') is dropped, consecutive '#' fold to one, lines concatenated.
# Not replicated: traditional -> simplified conversion (OpenCC phrase tables, Taiwan phrasing),
# the other placeholders neardup folds (`x`/`XX`/`xxxx` outside Latin words, `20xx`, `二Ox`,
# `二〇一一`). So a traditional copy of a simplified page shares almost no shingles with it here,
# and pages that differ only in such placeholders differ a little more than they do for neardup.
# ---------------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"[0-9]+|\*+")
_DROP = re.compile(r"[^\w#]|_")
_HASHES = re.compile(r"#{2,}")


def normalize(text):
    out = []
    for line in text.split("\n"):
        line = unicodedata.normalize("NFKC", line).lower()
        line = _PLACEHOLDER.sub("#", line)
        line = _DROP.sub("", line)
        out.append(line)
    return _HASHES.sub("#", "".join(out))


def shingles(text, k):
    """Distinct character k-grams; a non-empty text shorter than k is one shingle (as neardup)."""
    if not text:
        return []
    if len(text) < k:
        return [text]
    return list({text[i : i + k] for i in range(len(text) - k + 1)})


def read_pages(path, id_field, text_field, url_field):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            yield str(rec.get(id_field, "")), rec.get(url_field) or "", rec.get(text_field) or ""


def rensa_bands(threshold, num_perm):
    """Bands for rensa, which needs bands x rows = num_perm exactly: among the divisors of
    num_perm, the one with the lowest datasketch cost (false positive plus false negative
    probability mass, equal weights, datasketch's default) at this threshold."""
    from datasketch.lsh import _false_negative_probability, _false_positive_probability

    best = None
    for b in range(1, num_perm + 1):
        if num_perm % b:
            continue
        r = num_perm // b
        cost = 0.5 * _false_positive_probability(threshold, b, r) + \
            0.5 * _false_negative_probability(threshold, b, r)
        if best is None or cost < best[0]:
            best = (cost, b, r)
    return best[1], best[2]


def run_datasketch(docs, args, t):
    import datasketch
    from datasketch import MinHash, MinHashLSH

    # One set of permutations for all sketches, as datasketch's docs advise for many sketches:
    # generating them costs more than sketching a page.
    template = MinHash(num_perm=args.num_perm)
    sketches = []
    shingling = 0.0
    for _, _, text in docs:
        t0 = time.perf_counter()
        sh = shingles(normalize(text), args.ngram)
        shingling += time.perf_counter() - t0
        m = MinHash(num_perm=args.num_perm, scheme=template.scheme,
                    permutations=template.permutations)
        if sh:
            m.update_batch([s.encode("utf-8") for s in sh])
        sketches.append(m)
    t.lap("fingerprint", shingling)
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sketches):
            if not m.is_empty():
                session.insert(i, m, check_duplication=False)
    t.lap("lsh_insert")
    candidates = []
    for i, m in enumerate(sketches):
        if m.is_empty():
            continue
        for j in lsh.query(m):
            if j > i:
                candidates.append((i, j))
    t.lap("lsh_query")
    digests = [m.hashvalues for m in sketches]
    return candidates, digests, {"version": datasketch.__version__, "bands": lsh.b, "rows": lsh.r}


def run_rensa(docs, args, t):
    import importlib.metadata

    from rensa import RMinHash, RMinHashLSH

    bands, rows = rensa_bands(args.threshold, args.num_perm)
    sketches = []
    shingling = 0.0
    for _, _, text in docs:
        t0 = time.perf_counter()
        sh = shingles(normalize(text), args.ngram)
        shingling += time.perf_counter() - t0
        if not sh:
            sketches.append(None)
            continue
        m = RMinHash(num_perm=args.num_perm, seed=42)
        m.update(sh)
        sketches.append(m)
    t.lap("fingerprint", shingling)
    lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=bands)
    for i, m in enumerate(sketches):
        if m is not None:
            lsh.insert(i, m)
    t.lap("lsh_insert")
    candidates = []
    for i, m in enumerate(sketches):
        if m is None:
            continue
        for j in lsh.query(m):
            if j > i:
                candidates.append((i, j))
    t.lap("lsh_query")
    digests = [m.digest() if m is not None else None for m in sketches]
    meta = {"version": importlib.metadata.version("rensa"), "bands": bands, "rows": rows}
    return candidates, digests, meta


class Laps:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.stages = {}

    def lap(self, name, shingling=None):
        """Ends a stage; `shingling` is the part of it spent in the Python normalization and
        shingling (the same code for both peers), reported as a stage of its own."""
        now = time.perf_counter()
        if shingling is None:
            self.stages[name] = round(now - self.last, 3)
        else:
            self.stages["normalize_shingle"] = round(shingling, 3)
            self.stages[name] = round(now - self.last - shingling, 3)
        self.last = now

    def total(self):
        return time.perf_counter() - self.start


def estimates(candidates, digests, num_perm):
    """MinHash Jaccard estimates of the candidate pairs (share of equal sketch values)."""
    import numpy as np

    if not candidates:
        return []
    h = np.zeros((len(digests), num_perm), dtype=np.uint64)
    for i, d in enumerate(digests):
        if d is not None:
            h[i] = np.asarray(d, dtype=np.uint64)
    pairs = np.asarray(candidates, dtype=np.int64)
    out = []
    for at in range(0, len(pairs), 65536):
        chunk = pairs[at : at + 65536]
        out.extend((h[chunk[:, 0]] == h[chunk[:, 1]]).mean(axis=1).tolist())
    return out


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", choices=["datasketch", "rensa"], required=True)
    ap.add_argument("--input", required=True, help="pages.jsonl")
    ap.add_argument("--out", required=True, help="report directory to write")
    ap.add_argument("--json", help="also write the run's numbers here")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--ngram", type=int, default=5)
    ap.add_argument("--verify-estimate", action="store_true",
                    help="drop candidate pairs whose MinHash estimate is below the threshold")
    ap.add_argument("--id-field", default="id")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--url-field", default="url")
    args = ap.parse_args()

    t = Laps()
    # The libraries (numpy, scipy) take a second or two to import: timed as a stage of its own.
    if args.tool == "datasketch":
        import datasketch  # noqa: F401
    else:
        import datasketch.lsh  # noqa: F401  (rensa_bands uses its cost functions)
        import rensa  # noqa: F401
    t.lap("import")
    docs = list(read_pages(args.input, args.id_field, args.text_field, args.url_field))
    t.lap("read")
    run = run_datasketch if args.tool == "datasketch" else run_rensa
    candidates, digests, meta = run(docs, args, t)

    scored = [(a, b, e) for (a, b), e in
              zip(candidates, estimates(candidates, digests, args.num_perm))]
    if args.verify_estimate:
        scored = [p for p in scored if p[2] >= args.threshold]
    parent = list(range(len(docs)))
    for a, b, _ in scored:
        ra, rb = find(parent, a), find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the earliest document is the representative
    roots = [find(parent, i) for i in range(len(docs))]
    sizes = {}
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    t.lap("cluster")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "pairs.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["doc_a", "doc_b", "jaccard_estimate", "jaccard",
                    "containment_a_in_b", "containment_b_in_a"])
        for a, b, e in scored:
            e = f"{e:.4f}"
            w.writerow([docs[a][0], docs[b][0], e, e, e, e])
    cluster_ids = {}
    with open(os.path.join(args.out, "documents.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["doc_id", "url", "cluster_id", "role", "representative_id"])
        for i, (doc_id, url, _) in enumerate(docs):
            r = roots[i]
            cid = cluster_ids.setdefault(r, len(cluster_ids) + 1)
            if sizes[r] == 1:
                role = "unique"
            elif r == i:
                role = "representative"
            else:
                role = "duplicate"
            w.writerow([doc_id, url, cid, role, docs[r][0]])
    t.lap("report")

    wall = t.total()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nbytes = os.path.getsize(args.input)
    result = {
        "tool": args.tool,
        **meta,
        "documents": len(docs),
        "bytes": nbytes,
        "candidates": len(candidates),
        "pairs": len(scored),
        "clusters": sum(1 for r, n in sizes.items() if n > 1),
        "seconds": round(wall, 3),
        "stages": t.stages,
        "peak_rss_mb": round(rss_mb, 1),
        "mb_per_s": round(nbytes / 1e6 / wall, 2),
        "pages_per_s": round(len(docs) / wall, 1),
    }
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in t.stages.items())
    print(f"{args.tool} {meta['version']}: {len(docs)} documents, {len(candidates)} candidate "
          f"pairs ({meta['bands']} bands x {meta['rows']} rows), {result['clusters']} clusters; "
          f"{wall:.2f}s ({stages}); {result['mb_per_s']} MB/s, peak RSS {rss_mb:.0f} MB",
          file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
