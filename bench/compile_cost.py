#!/usr/bin/env python3
"""Measures the compile cost of one translation unit that includes <lsm/lsm.hpp>
and uses one lsm::tree<std::string, std::string> (bench/compile_cost/one_tree.cpp),
at -O2 and -O0: the median wall time of several compiles per level.

    python3 bench/compile_cost.py [--cxx g++] [--runs 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cxx", default="g++")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = os.path.join(ROOT, "bench", "compile_cost", "one_tree.cpp")
    with tempfile.TemporaryDirectory() as out:
        for level in ("-O2", "-O0"):
            times = []
            for _ in range(args.runs):
                start = time.monotonic()
                subprocess.run([args.cxx, "-std=c++20", level, "-I", os.path.join(ROOT, "include"),
                                "-c", source, "-o", os.path.join(out, "one_tree.o")], check=True)
                times.append(time.monotonic() - start)
            print(f"compile cost {args.cxx} {level}: {statistics.median(times):.2f} s "
                  f"(median of {args.runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
