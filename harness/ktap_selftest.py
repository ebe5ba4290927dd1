#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of harness/ktap.py, the counter every verdict of make check
goes through: each case feeds it a made-up guest result stream and console
log and checks what it counts. Prints one KTAP subtest; appends
"pass fail skip" to COUNTS.

Usage: ktap_selftest.py NUMBER COUNTS
"""
import os
import subprocess
import sys
import tempfile

import ktap

HERE = os.path.dirname(os.path.abspath(__file__))

KUNIT_NESTED = """kho-boot 1 t
kho-ktap-begin kunit:suite
KTAP version 1
1..1
    KTAP version 1
    # Subtest: suite
    1..2
        KTAP version 1
        # Subtest: param_case
        ok 1 p0
    # param_case: EXPECTATION FAILED at x.c:1
        not ok 2 p1
    not ok 1 param_case
    ok 2 plain_case # SKIP not here
not ok 1 suite
kho-ktap-end kunit:suite 0
kho-stage-done 1
"""

CASES = [
    # name, results, console, last stage, allow, expected (pass, fail, skip)
    # [, text the report must contain]
    ("all checks pass",
     "kho-boot 1 t\nkho-result ok a\nkho-result ok b\nkho-stage-done 1\n",
     "", 1, "", (3, 0, 0)),
    ("a skip is not a pass",
     "kho-boot 1 t\nkho-result skip a # no device\nkho-stage-done 1\n",
     "", 1, "", (1, 0, 1)),
    ("nested KUnit: leaves only, failures and skips kept",
     KUNIT_NESTED, "", 1, "", (2, 1, 1)),
    ("a stage that never booted fails",
     "kho-boot 1 t\nkho-result ok a\nkho-stage-done 1\n",
     "", 2, "", (2, 1, 0)),
    ("a stage cut short fails",
     "kho-boot 1 t\nkho-stage-done 1\nkho-boot 2 t\nkho-result ok a\n",
     "", 2, "", (2, 1, 0)),
    ("a KTAP block cut off fails",
     "kho-boot 1 t\nkho-ktap-begin x\nok 1 a\n", "", 1, "", (1, 2, 0)),
    ("a kselftest exiting non-zero without a failed case fails",
     "kho-boot 1 t\nkho-ktap-begin x\nok 1 a\nkho-ktap-end x 1\n"
     "kho-stage-done 1\n", "", 1, "", (2, 1, 0)),
    ("a kselftest with no cases counts by exit status 4 as skip",
     "kho-boot 1 t\nkho-ktap-begin x\nkho-ktap-end x 4\nkho-stage-done 1\n",
     "", 1, "", (1, 0, 1)),
    ("a program that dies says why in its failure",
     "kho-boot 1 t\nkho-ktap-begin x\nok 1 a\n==== Test Assertion Failure ====\n"
     "  lib.c:12: ioctl(fd, RESET) == 0\nkho-ktap-end x 1\nkho-stage-done 1\n",
     "", 1, "", (2, 1, 0), "it said: ==== Test Assertion Failure ==== | "
     "lib.c:12: ioctl(fd, RESET) == 0"),
    ("an oops on the console fails",
     "kho-boot 1 t\nkho-result ok a\nkho-stage-done 1\n",
     "[ 1.0] BUG: kernel NULL pointer dereference\n", 1, "", (1, 1, 0)),
    ("an allowed DMAR fault does not fail",
     "kho-boot 1 t\nkho-result ok a\nkho-stage-done 1\n",
     "[ 1.0] DMAR: DRHD: handling fault status reg 2\n", 1,
     "DMAR: DRHD", (2, 0, 0)),
    ("a DMAR fault that is not allowed fails",
     "kho-boot 1 t\nkho-result ok a\nkho-stage-done 1\n",
     "[ 1.0] DMAR: [DMA Write NO_PASID] Request device [00:05.0]\n", 1,
     "", (1, 1, 0)),
]


def run_case(tmp, results, console, last, allow):
    paths = {}
    for name, text in (("results", results), ("console", console)):
        paths[name] = os.path.join(tmp, name)
        with open(paths[name], "w") as f:
            f.write(text)
    counts = os.path.join(tmp, "counts")
    open(counts, "w").close()
    out = subprocess.run([sys.executable, os.path.join(HERE, "ktap.py"), "1",
                          "t", paths["results"], paths["console"], str(last),
                          counts, allow], stdout=subprocess.PIPE, text=True,
                         check=False).stdout
    with open(counts) as f:
        return tuple(int(x) for x in f.read().split()), out


def main(argv):
    number, counts_path = argv[1], argv[2]
    checks = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, results, console, last, allow, want, *text in CASES:
            got, out = run_case(tmp, results, console, last, allow)
            if got != want:
                checks.append(("not-ok", name,
                               f"counted {got}, expected {want}"))
            elif text and text[0] not in out:
                checks.append(("not-ok", name,
                               f"the report lacks \"{text[0]}\""))
            else:
                checks.append(("ok", name, ""))
    return ktap.report(number, "harness-selftest", checks, counts_path)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
