#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one scenario's guest results into a KTAP subtest and count them.

Reads the result protocol that harness/guest/kho-test.sh writes to the
guest's second serial port, plus the console log, and prints the scenario
as a KTAP subtest whose leaves are single checks (a kselftest case, a KUnit
case, a shell check). A skip is never counted as a pass. Missing stages,
kernel oopses and DMAR faults on the console are failures of their own, and
so are the DMA faults QEMU's VT-d model logs (QEMU_LOG): a fault the guest
kernel was never told of still shows there.

Usage: ktap.py NUMBER SCENARIO RESULTS CONSOLE LAST_STAGE COUNTS [ALLOW_RE
       [QEMU_LOG [QEMU_ALLOW_RE]]]
Appends "pass fail skip" to COUNTS. Exit status 0 when nothing failed.
"""
import re
import sys

RESULT_RE = re.compile(
    r"^(?P<indent>\s*)(?P<status>ok|not ok) (?P<num>\d+)(?: -)?\s*"
    r"(?P<name>[^#]*?)\s*(?:#\s*(?P<directive>\S+)\s*(?P<why>.*))?$")
CONSOLE_BAD_RE = re.compile(
    r"Kernel panic|BUG:|WARNING:|Oops|general protection fault|"
    r"DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault|"
    r"Call Trace:|UBSAN:|KASAN:")
# hw/i386/intel_iommu.c reports a failed translation with the function's
# name (error_report_once: once per kind), then the fault compression.
QEMU_FAULT_RE = re.compile(r"^qemu-system-\S+: (vtd_\w+: |New fault )")


def ktap_leaves(lines):
    """Leaf results (status, name, why) of a KTAP stream, in order."""
    results = []
    notes = []  # diagnostic lines since the previous result
    for line in lines:
        m = RESULT_RE.match(line.rstrip("\n"))
        if not m:
            text = line.strip()
            if text.startswith("#") and "Subtest:" not in text:
                notes.append(text.lstrip("# ").strip())
            continue
        results.append((len(m.group("indent").expandtabs()), m, notes))
        notes = []
    leaves = []
    for i, (depth, m, notes) in enumerate(results):
        if i > 0 and results[i - 1][0] > depth:
            continue  # a parent: its children were counted
        directive = (m.group("directive") or "").upper()
        why = (m.group("why") or "").strip()
        if not why and m.group("status") != "ok":
            failed = [n for n in notes if "FAILED" in n or "Assert" in n]
            why = " | ".join((failed or notes[-2:])[:2])[:200]
        if directive == "SKIP":
            status = "skip"
        elif m.group("status") == "ok":
            status = "ok"
        else:
            status = "not-ok"
        leaves.append((status, m.group("name").strip(), why))
    return leaves


def last_words(lines, n=3):
    """The last n lines of a block that are not KTAP: what a program said
    on stderr before it died (an assertion, an errno), for the failure."""
    said = [l.strip() for l in lines
            if l.strip() and not RESULT_RE.match(l.rstrip("\n")) and
            not l.strip().startswith(("#", "TAP version", "KTAP version",
                                      "1.."))]
    return " | ".join(said[-n:])[:300]


def report(number, name, checks, counts_path):
    """Print checks [(status, name, why)] as the KTAP subtest NUMBER NAME,
    append "pass fail skip" to counts_path; return 1 if any failed."""
    npass = sum(1 for s, _, _ in checks if s == "ok")
    nfail = sum(1 for s, _, _ in checks if s == "not-ok")
    nskip = sum(1 for s, _, _ in checks if s == "skip")

    out = ["    KTAP version 1", f"    1..{len(checks)}"]
    for i, (status, check, why) in enumerate(checks, 1):
        check = check.replace("#", "")
        if status == "ok":
            out.append(f"    ok {i} {check}")
        elif status == "skip":
            out.append(f"    ok {i} {check} # SKIP {why}")
        else:
            out.append(f"    # FAIL {check}: {why}")
            out.append(f"    not ok {i} {check}")
    out.append(f"{'not ok' if nfail else 'ok'} {number} {name}")
    print("\n".join(out))
    with open(counts_path, "a") as f:
        f.write(f"{npass} {nfail} {nskip}\n")
    return 1 if nfail else 0


def main(argv):
    number, scenario, results_path, console_path, last_stage, counts_path = \
        argv[1:7]
    allow = re.compile(argv[7]) if len(argv) > 7 and argv[7] else None
    qemu_path = argv[8] if len(argv) > 8 else None
    qemu_allow = re.compile(argv[9]) if len(argv) > 9 and argv[9] else None
    last_stage = int(last_stage)
    try:
        with open(results_path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    try:
        with open(console_path, errors="replace") as f:
            console = f.read().splitlines()
    except OSError:
        console = []

    checks = []  # (status, name, why)
    booted, done = set(), set()
    block, block_name = None, None
    for line in lines:
        line = line.replace("\r", "")
        if block is not None:
            if line.startswith("kho-ktap-end "):
                parts = line.split()
                rc = int(parts[2]) if len(parts) > 2 and \
                    parts[2].lstrip("-").isdigit() else 1
                leaves = ktap_leaves(block)
                for status, name, why in leaves:
                    checks.append((status, f"{block_name}: {name}", why))
                if not leaves:
                    status = {0: "ok", 4: "skip"}.get(rc, "not-ok")
                    words = last_words(block)
                    checks.append((status, block_name,
                                   f"exit status {rc}" +
                                   (f"; it said: {words}" if words else "")
                                   if rc else "no KTAP cases reported"))
                elif rc not in (0, 4) and \
                        not any(s == "not-ok" for s, _, _ in leaves):
                    words = last_words(block)
                    checks.append(("not-ok", f"{block_name}: exit status",
                                   f"exited {rc}" +
                                   (f"; it said: {words}" if words else "")))
                block = None
            else:
                block.append(line)
            continue
        if line.startswith("kho-ktap-begin "):
            block, block_name = [], line.split(" ", 1)[1]
        elif line.startswith("kho-result "):
            m = re.match(r"kho-result (ok|not-ok|skip) (.*?)(?: # (.*))?$",
                         line)
            if m:
                checks.append((m.group(1), m.group(2), m.group(3) or ""))
        elif line.startswith("kho-boot "):
            booted.add(int(line.split()[1]))
        elif line.startswith("kho-stage-done "):
            done.add(int(line.split()[1]))
    if block is not None:
        checks.append(("not-ok", f"{block_name}: output",
                       "KTAP block cut off (guest died or timed out)"))

    for stage in range(1, last_stage + 1):
        if stage not in done:
            why = "stage never booted" if stage not in booted else \
                "stage did not run to its end"
            checks.append(("not-ok", f"stage {stage} completed",
                           f"{why}; see {console_path}"))
    bad = [ln for ln in console if CONSOLE_BAD_RE.search(ln)
           and not (allow and allow.search(ln))]
    if bad:
        checks.append(("not-ok", "console has no oops, warning or DMAR fault",
                       bad[0].strip()[:160]))
    else:
        checks.append(("ok", "console has no oops, warning or DMAR fault",
                       ""))
    if qemu_path:
        try:
            with open(qemu_path, errors="replace") as f:
                qemu = f.read().splitlines()
        except OSError:
            qemu = []
        bad = [ln for ln in qemu if QEMU_FAULT_RE.search(ln)
               and not (qemu_allow and qemu_allow.search(ln))]
        checks.append(("not-ok" if bad else "ok",
                       "QEMU's VT-d logged no DMA fault",
                       bad[0].strip()[:160] if bad else ""))

    return report(number, scenario, checks, counts_path)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
