"""GAP Benchmark Suite peer for `ember bench --peers gap` (protocol: peer.py).

GAP (https://github.com/sbeamer/gapbs, C++/OpenMP) is the field's reference for the four
kernels. This driver
- builds GAP's `converter`, `pr`, `cc`, `bfs` and `sssp` from its source with the flags of GAP's
  own Makefile (`-std=c++11 -O3 -Wall -fopenmp`), once per source version, in a cache folder
  (`$EMBER_GAPBS_BUILD`, else `~/.cache/ember/gapbs-HASH`); the source is `$EMBER_GAPBS`, else
  `../shared/peers/gapbs` beside the repository;
- converts the graph file once to GAP's serialized graph (comment lines stripped, then
  `converter -f g.el [-s] -b g.sg`, and `-wb g.wsg` from a `.wel` when weighted): that
  conversion is GAP's load time, as reading and building is Ember's;
- runs each kernel as one GAP process with one trial (`-n 1`) and reports GAP's own
  "Trial Time" (the kernel only, not reading the `.sg`), the process's peak RSS (which includes
  its graph), and a check from GAP's analysis output (`-a`).

Parameters are Ember's: PageRank `-i ITERATIONS -t 0` (a fixed number of iterations), BFS and
SSSP from the same source (`-r`), SSSP's bucket width `-d` from `--delta` (GAP takes an
integer: rounded, at least 1). Threads: `OMP_NUM_THREADS`, else `RAYON_NUM_THREADS`, else the
CPUs this process may use, as rayon counts them.

GAP numbers vertices by their integer ids (a graph with ids up to N has N + 1 vertices, absent ids
isolated), reads integer weights, and its PageRank does not redistribute the rank of vertices
without out-edges: its checks are comparable with Ember's for the reached counts and the top
PageRank vertex, while component counts include absent ids (so GAP reports the largest
component instead).
"""

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import peer

KERNELS = ["converter", "pr", "cc", "bfs", "sssp"]
FLAGS = ["-std=c++11", "-O3", "-Wall", "-fopenmp"]

# Runs a command and reports its peak RSS. A child's ru_maxrss counts the memory of the process
# it was forked from (Python's, here) until it execs, so GAP is started from this small program
# instead, whose own footprint is a few hundred KB.
PEAK_SOURCE = r"""
#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 2) return 2;
  pid_t p = fork();
  if (p < 0) return 126;
  if (p == 0) { execv(argv[1], argv + 1); _exit(127); }
  int status = 0;
  struct rusage ru;
  if (wait4(p, &status, 0, &ru) < 0) return 126;
  std::printf("EMBER-PEAK-KB %ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
"""


def fail(msg):
    print(f"gap: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def source_dir():
    env = os.environ.get("EMBER_GAPBS")
    src = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "peers" / "gapbs"
    if not (src / "src" / "pr.cc").is_file():
        fail(f"no GAP source at {src} (set EMBER_GAPBS to a gapbs checkout)")
    return src


def build(src):
    """Compiles GAP's kernels into the cache folder (once per source version)."""
    digest = hashlib.sha256()
    for f in sorted((src / "src").iterdir()):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    digest.update(" ".join(FLAGS).encode() + PEAK_SOURCE.encode())
    env = os.environ.get("EMBER_GAPBS_BUILD")
    out = Path(env) if env else Path.home() / ".cache" / "ember" / f"gapbs-{digest.hexdigest()[:12]}"
    if all((out / k).is_file() for k in [*KERNELS, "peak"]):
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / "peak.cc").write_text(PEAK_SOURCE)
    cxx = os.environ.get("CXX", "g++")
    t = time.perf_counter()
    for k in [*KERNELS, "peak"]:
        if (out / k).is_file():
            continue
        # Written under a temporary name, so an interrupted build never leaves half a binary.
        tmp = out / f".{k}.tmp-{os.getpid()}"
        cc = out / "peak.cc" if k == "peak" else src / "src" / f"{k}.cc"
        r = subprocess.run([cxx, *FLAGS, str(cc), "-o", str(tmp)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            tmp.unlink(missing_ok=True)
            fail(f"building GAP's {k} with {cxx} failed:\n{r.stdout[-2000:]}")
        tmp.replace(out / k)
    print(f"gap: built {', '.join([*KERNELS, 'peak'])} in {out} ({time.perf_counter() - t:.1f} s)",
          file=sys.stderr, flush=True)
    return out


def threads():
    for var in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS"):
        if os.environ.get(var, "").isdigit() and int(os.environ[var]) > 0:
            return os.environ[var]
    return str(len(os.sched_getaffinity(0)))


def first_data_line(path):
    opener = gzip.open if peer.is_gzip(path) else open
    with opener(path, "rt") as f:
        for line in f:
            if line.strip() and not line.startswith(("#", "%")):
                return line.split()
    fail(f"{path} has no edges")


def strip_comments(path, dest, columns):
    """Writes `path`'s data lines (its first `columns` fields, space-separated) to `dest`."""
    cat = ["gzip", "-dc", path] if peer.is_gzip(path) else ["cat", path]
    fields = ", ".join(f"${i + 1}" for i in range(columns))
    with open(dest, "wb") as out:
        p1 = subprocess.Popen(cat, stdout=subprocess.PIPE)
        # awk is GAP's own preprocessing tool of choice and streams at disk speed.
        p2 = subprocess.Popen(["awk", f'!/^[#%]/ && NF >= {columns} {{print {fields}}}'],
                              stdin=p1.stdout, stdout=out)
        p1.stdout.close()
        if p2.wait() != 0 or p1.wait() != 0:
            fail(f"could not read {path}")


def run(binary, args, env):
    """Runs one GAP program; returns (stdout, peak RSS of that process in bytes)."""
    r = subprocess.run([str(bin_dir / "peak"), str(binary), *args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=env)
    if r.returncode != 0:
        fail(f"{binary.name} {' '.join(args)} exited with {r.returncode}:\n{r.stdout[-2000:]}")
    m = re.search(r"^EMBER-PEAK-KB (\d+)$", r.stdout, re.M)
    return r.stdout, int(m.group(1)) * 1024 if m else None


def number(out, label):
    m = re.search(rf"{label}:\s*([0-9.eE+-]+)", out)
    if not m:
        fail(f"no '{label}' in GAP's output:\n{out[-2000:]}")
    return float(m.group(1))


a = peer.args()
env = dict(os.environ, OMP_NUM_THREADS=threads())
bin_dir = build(source_dir())
work = Path(tempfile.mkdtemp(prefix="ember-gap-"))
sym = ["-s"] if a.undirected else []
source = a.source
if not re.fullmatch(r"\d+", source) or int(source) >= 2**31:
    fail(f"GAP numbers vertices by non-negative 32-bit integer ids; source {source} is not one")


def load():
    first = first_data_line(a.edges)
    if not all(re.fullmatch(r"\d+", x) for x in first[:2]):
        fail(f"GAP reads non-negative integer ids; {a.edges} starts with {' '.join(first[:2])}")
    strip_comments(a.edges, work / "g.el", 2)
    out, _ = run(bin_dir / "converter", ["-f", str(work / "g.el"), *sym, "-b", str(work / "g.sg")], env)
    if a.weighted:
        if len(first) < 3 or not re.fullmatch(r"-?\d+", first[2]):
            fail(f"GAP's SSSP takes integer weights; {a.edges} starts with {' '.join(first)}")
        strip_comments(a.edges, work / "g.wel", 3)
        run(bin_dir / "converter", ["-f", str(work / "g.wel"), *sym, "-wb", str(work / "g.wsg")], env)
        (work / "g.wel").unlink()
    (work / "g.el").unlink()
    m = re.search(r"Graph has (\d+) nodes and (\d+)", out)
    if not m:
        fail(f"unexpected converter output:\n{out[-2000:]}")
    return None, int(m.group(1)), int(m.group(2))


def trial(binary, args):
    out, peak = run(bin_dir / binary, [*args, "-n", "1", "-a"], env)
    return out, number(out, "Trial Time"), peak


def pagerank(_):
    out, secs, peak = trial("pr", ["-f", str(work / "g.sg"), "-i", str(a.iterations), "-t", "0"])
    # The analysis prints the top five as `id:score`, highest first.
    top = re.findall(r"^(\d+):([0-9.eE+-]+)$", out, re.M)
    return (f"top {top[0][0]} {float(top[0][1]):.6f}" if top else "no scores"), secs, peak


def wcc(_):
    out, secs, peak = trial("cc", ["-f", str(work / "g.sg")])
    # "k biggest clusters" then `component:size` lines, largest first.
    sizes = re.findall(r"^\d+:(\d+)$", out.split("biggest clusters", 1)[-1], re.M)
    return (f"largest component {sizes[0]}" if sizes else "no components"), secs, peak


def bfs(_):
    out, secs, peak = trial("bfs", ["-f", str(work / "g.sg"), "-r", source])
    m = re.search(r"BFS Tree has (\d+) nodes", out)
    return f"reached {m.group(1) if m else '?'}", secs, peak


def sssp(_):
    if not a.weighted:
        raise SystemExit("sssp needs --weighted")
    delta = str(max(1, round(a.delta))) if a.delta else "1"
    out, secs, peak = trial("sssp", ["-f", str(work / "g.wsg"), "-r", source, "-d", delta])
    m = re.search(r"SSSP Tree reaches (\d+) nodes", out)
    return f"reached {m.group(1) if m else '?'}", secs, peak


try:
    peer.serve_timed(load, {"pagerank": pagerank, "wcc": wcc, "bfs": bfs, "sssp": sssp})
finally:
    shutil.rmtree(work, ignore_errors=True)
