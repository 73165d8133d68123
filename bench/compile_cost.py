#!/usr/bin/env python3
"""Measures the compile cost of one translation unit that includes <lsm/lsm.hpp>
and uses one lsm::tree<std::string, std::string> (bench/compile_cost/one_tree.cpp),
at -O2 and -O0, in both ways of building with lsm:

  header-only            the default: the engine is compiled in the unit itself;
  separate compilation   -DLSM_SEPARATE_COMPILATION (what linking lsm::compiled
                         defines): the unit compiles the façade only, and the
                         engine comes from src/lsm.cpp, compiled once per build
                         (its cost is printed too, at -O2).

Each figure is the median wall time of several compiles, then the median of
the compiler's user + system CPU time (less sensitive to a busy machine).

    python3 bench/compile_cost.py [--cxx g++] [--runs 3]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compile_once(cmd):
    """(wall seconds, cpu seconds) of one compiler run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(cmd, check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(args, label, source, flags, out):
    walls, cpus = [], []
    for _ in range(args.runs):
        wall, cpu = compile_once([args.cxx, "-std=c++20", *flags, "-I", os.path.join(ROOT, "include"),
                                  "-c", source, "-o", os.path.join(out, "unit.o")])
        walls.append(wall)
        cpus.append(cpu)
    print(f"compile cost {args.cxx} {label}: {statistics.median(walls):.2f} s "
          f"(cpu {statistics.median(cpus):.2f} s; median of {args.runs})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cxx", default="g++")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    one_tree = os.path.join(ROOT, "bench", "compile_cost", "one_tree.cpp")
    library = os.path.join(ROOT, "src", "lsm.cpp")
    with tempfile.TemporaryDirectory() as out:
        for level in ("-O2", "-O0"):
            measure(args, f"header-only {level}", one_tree, [level], out)
        for level in ("-O2", "-O0"):
            measure(args, f"separate compilation {level}", one_tree,
                    [level, "-DLSM_SEPARATE_COMPILATION"], out)
        measure(args, "lsm::compiled (src/lsm.cpp, once per build) -O2", library, ["-O2"], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
