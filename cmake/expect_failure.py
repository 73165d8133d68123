#!/usr/bin/env python3
"""Run a command that must fail, and check why it failed.

Passes (exit 0) only if the command exits non-zero AND its combined
stdout+stderr matches the expected regular expression (Python `re.search`,
MULTILINE). Used by the compile-fail tests, whose sources start with
    // expect: <regex>
and by the negative tests of tools/amalgamate.py.

Usage:
  expect_failure.py --expect REGEX -- command args...
  expect_failure.py --expect-from SOURCE.cpp -- command args...
"""

import argparse
import re
import subprocess
import sys

EXPECT_LINE = re.compile(r"^\s*//\s*expect:\s*(.+?)\s*$")


def expected_from(path):
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    m = EXPECT_LINE.match(first)
    if not m:
        sys.exit("expect_failure.py: %s: the first line must be `// expect: <regex>`, found: %r"
                 % (path, first.rstrip("\n")))
    return m.group(1)


def main(argv):
    if "--" not in argv:
        sys.exit("expect_failure.py: usage: [--expect REGEX | --expect-from FILE] -- command...")
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--expect")
    group.add_argument("--expect-from")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        sys.exit("expect_failure.py: no command after --")

    pattern = args.expect if args.expect is not None else expected_from(args.expect_from)
    try:
        regex = re.compile(pattern, re.MULTILINE)
    except re.error as e:
        sys.exit("expect_failure.py: bad regex %r: %s" % (pattern, e))

    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    output = proc.stdout.decode("utf-8", errors="replace")
    print("$ " + " ".join(command))
    print(output, end="" if output.endswith("\n") or not output else "\n")
    if proc.returncode == 0:
        print("FAIL: the command succeeded (exit 0) but was expected to fail")
        return 1
    if not regex.search(output):
        print("FAIL: the command failed (exit %d) but its output does not match /%s/"
              % (proc.returncode, pattern))
        return 1
    print("ok: failed (exit %d) with output matching /%s/" % (proc.returncode, pattern))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
