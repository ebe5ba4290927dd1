#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: one table, one JSON file and one plot from the runs
harness/bench.sh left in DIR/MIB-PAGE/N/results.log (N: the round).

    bench-report.py DIR QEMU_VERSION GUEST_MEM

Figures are what vfio_kho_bench printed ("kho-info bench_KEY VALUE") in
each kernel; the kexec is timed with the TSC kho-tsc noted just
before "kexec -e" ("kho-info kexec_tsc N"). Derived figures:

  preserve    memfd + container + device preserve (old kernel)
  restore     container retrieve + device retrieve + vaddr update: what a
              VMM that keeps its device pays in the new kernel. The
              container is rebuilt with its session (and retrieves its
              memfds then): its part and the memfds' are what the kernel
              measured (debugfs rebuild_us, memfds_us)
  start over  device open with reset + map and pin everything: what it
              pays without the suite, measured on the same memory
  ratio       restore / start over (below 1: the live update is cheaper)
  reset       one function reset alone (VFIO_DEVICE_RESET) in the old
              kernel: the part of starting over that is a fixed wait
  CPU loops   the guest's time for fixed loops (integer arithmetic,
              reads spread over 64 MiB) over the host's time
              for the same loops right after the run: how much TCG slows
              each kind of work down (a sleep is not slowed down)

Each figure is the median over the rounds (the spread, min and max, is
in the JSON file); per page size, the slope of each phase in ms per GiB
mapped (least squares over the sizes run). Exit status 1 if a run gave
no figures.
"""
import json
import os
import re
import sys

PHASES = [
    ("preserve_ms", "preserve (memfd+container+device)"),
    ("kexec_ms", "kexec: reboot() to new userspace"),
    ("session_retrieve_ms", "session retrieve (container+memfds)"),
    ("memfd_retrieve_ms", "memfd retrieve"),
    ("container_retrieve_ms", "container retrieve"),
    ("device_retrieve_ms", "device retrieve"),
    ("vaddr_update_ms", "vaddr update"),
    ("first_dma_ms", "first DMA"),
    ("restore_ms", "RESTORE (container+device+vaddr)"),
    ("open_reset_ms", "start over: open with reset"),
    ("reset_ms", "  a reset alone, timed apart"),
    ("map_pin_ms", "start over: map + pin"),
    ("start_over_ms", "START OVER (open+map)"),
]


def read_run(path):
    vals = {}
    errors = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip().replace("\r", "")
            m = re.match(r"kho-info (bench_\S+|kexec_tsc) (.*)$", line)
            if not m:
                continue
            key, val = m.group(1).replace("bench_", "", 1), m.group(2)
            if key == "error":
                errors.append(val)
                continue
            try:
                vals[key] = float(val)
            except ValueError:
                pass
    return vals, errors


def derive(v):
    def s(*keys):
        return sum(v[k] for k in keys) if all(k in v for k in keys) else None

    v["preserve_ms"] = s("preserve_memfd_ms", "preserve_container_ms",
                         "preserve_device_ms")
    if "tsc_start" in v and "kexec_tsc" in v and v.get("tsc_per_ms"):
        v["kexec_ms"] = (v["tsc_start"] - v["kexec_tsc"]) / v["tsc_per_ms"]
    v["restore_ms"] = s("container_retrieve_ms", "device_retrieve_ms",
                        "vaddr_update_ms")
    v["start_over_ms"] = s("open_reset_ms", "map_pin_ms")
    for kind in ("alu", "mem"):
        guest, host = v.get(f"cpu_{kind}_ms"), v.get(f"host_cpu_{kind}_ms")
        if guest and host:
            v[f"cpu_{kind}_factor"] = guest / host
    if v["restore_ms"] is not None and v["start_over_ms"]:
        v["ratio"] = v["restore_ms"] / v["start_over_ms"]
    meta = s("iommu_metadata_bytes", "vfio_metadata_bytes")
    if meta is not None:
        v["metadata_bytes"] = meta
        v["metadata_pct"] = 100.0 * meta / (v["mib"] * 2**20)
        if "table_pages" in v:
            v["with_tables_pct"] = 100.0 * (meta + 4096 * v["table_pages"]) / \
                (v["mib"] * 2**20)
    gib = v["mib"] / 1024.0
    if "table_pages" in v:
        v["table_pages_per_gib"] = v["table_pages"] / gib
    if "folios_2m" in v and "folios_4k" in v and "table_pages" in v:
        # memfd folios (memfd_luo preserves each) + table pages + the
        # suite's few record blocks
        v["kho_ranges_per_gib"] = (v["folios_2m"] + v["folios_4k"] +
                                   v["table_pages"]) / gib
    return v


def median_run(rounds):
    """Median of each figure over the rounds, with its min and max."""
    med = {"mib": rounds[0]["mib"], "page": rounds[0]["page"],
           "rounds": len(rounds), "spread": {}}
    keys = set().union(*(r.keys() for r in rounds)) - {"mib", "page"}
    for k in sorted(keys):
        vals = sorted(r[k] for r in rounds
                      if isinstance(r.get(k), (int, float)))
        if not vals:
            continue
        n = len(vals)
        med[k] = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
        med["spread"][k] = [vals[0], vals[-1]]
    return med


def slope(points):
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else None


def fmt(x, unit=""):
    if x is None:
        return "-"
    if float(x).is_integer():
        return f"{int(x)}{unit}"
    if abs(x) < 0.001:
        return f"{x:.1e}{unit}"
    if abs(x) >= 100:
        return f"{x:.0f}{unit}"
    return f"{x:.1f}{unit}" if abs(x) >= 1 else f"{x:.3f}{unit}"


def main():
    out, qemu, mem = sys.argv[1], sys.argv[2], sys.argv[3]
    runs, failed = [], []
    for d in sorted(os.listdir(out)):
        m = re.match(r"(\d+)-(4k|2m)$", d)
        if not m or not os.path.isdir(os.path.join(out, d)):
            continue
        rounds = []
        for rd in sorted(os.listdir(os.path.join(out, d))):
            path = os.path.join(out, d, rd, "results.log")
            if not os.path.isfile(path):
                continue
            v, errors = read_run(path)
            v["mib"], v["page"] = int(m.group(1)), m.group(2)
            if errors or "done" not in v:
                failed.append((f"{d}/{rd}",
                               errors or ["no figures (see the run's logs)"]))
                continue
            rounds.append(derive(v))
        if rounds:
            runs.append(median_run(rounds))
    runs.sort(key=lambda r: (r["page"], r["mib"]))

    lines = []
    lines.append(f"make bench: live update of a VMM's igb vs starting it over "
                 f"(q35 + VT-d under TCG, {qemu}, guest {mem}; ms, median of "
                 f"{min((r['rounds'] for r in runs), default=0)} or more runs)")
    cols = [f"{r['mib']}M/{r['page']}" for r in runs]
    head = f"{'phase':36s}" + "".join(f"{c:>11s}" for c in cols)
    lines += [head, "-" * len(head)]
    for key, label in PHASES:
        lines.append(f"{label:36s}" +
                     "".join(f"{fmt(r.get(key)):>11s}" for r in runs))
    lines.append(f"{'ratio restore / start over':36s}" +
                 "".join(f"{fmt(r.get('ratio')):>11s}" for r in runs))
    lines.append(f"{'  ratio, min-max over the runs':36s}" + "".join(
        f"{'%.2f-%.2f' % tuple(r['spread']['ratio']) if 'ratio' in r.get('spread', {}) else '-':>11s}"
        for r in runs))
    lines.append(f"{'start over / restore':36s}" +
                 "".join(f"{fmt(1 / r['ratio'] if r.get('ratio') else None):>11s}"
                         for r in runs))
    for kind, label in (("alu", "arithmetic"), ("mem", "memory reads")):
        lines.append(f"{'guest/host time: ' + label:36s}" +
                     "".join(f"{fmt(r.get(f'cpu_{kind}_factor')):>11s}"
                             for r in runs))
    lines.append("")
    lines.append(f"{'handover':36s}" + "".join(f"{c:>11s}" for c in cols))
    for key, label in [("metadata_bytes", "metadata bytes (IOMMU+VFIO)"),
                       ("metadata_pct", "metadata, % of mapped"),
                       ("with_tables_pct", "metadata + tables, % of mapped"),
                       ("table_pages", "page-table pages"),
                       ("table_pages_per_gib", "page-table pages per GiB"),
                       ("folios_2m", "memfd 2 MiB folios"),
                       ("folios_4k", "memfd 4 KiB pages"),
                       ("kho_ranges_per_gib", "KHO preservations per GiB")]:
        lines.append(f"{label:36s}" +
                     "".join(f"{fmt(r.get(key)):>11s}" for r in runs))
    lines.append("")
    slopes = {}
    lines.append("slope, ms per GiB mapped (least squares over the sizes)")
    for page in ("4k", "2m"):
        pts = [r for r in runs if r["page"] == page]
        if len(pts) < 2:
            continue
        slopes[page] = {}
        for key, label in PHASES:
            sl = slope([(r["mib"] / 1024.0, r[key]) for r in pts
                        if r.get(key) is not None])
            slopes[page][key] = sl
        lines.append(f"  {page}: " + ", ".join(
            f"{k.replace('_ms', '')} {fmt(slopes[page][k])}"
            for k in ("restore_ms", "start_over_ms", "preserve_ms",
                      "memfd_retrieve_ms", "kexec_ms")))
        small = min(pts, key=lambda r: r["mib"])
        big = max(pts, key=lambda r: r["mib"])
        if small.get("restore_ms") and big.get("restore_ms"):
            lines.append(f"  {page}: restore grows x{big['restore_ms'] / small['restore_ms']:.2f} "
                         f"from {small['mib']} MiB to {big['mib']} MiB")
    for d, errors in failed:
        lines.append(f"FAILED run {d}: {'; '.join(errors)}")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(out, "bench.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump({"conditions": {"qemu": qemu, "guest_mem": mem,
                                  "accel": os.environ.get(
                                      "KHO_QEMU_ACCEL", "tcg,thread=single")},
                   "runs": runs, "slopes_ms_per_gib": slopes,
                   "failed": [d for d, _ in failed]}, f, indent=1)
    plot(out, runs)
    return 1 if failed or not runs else 0


def plot(out, runs):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: no matplotlib, no plot")
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=False)
    for ax, page in zip(axes, ("4k", "2m")):
        pts = [r for r in runs if r["page"] == page]
        if not pts:
            continue
        x = [r["mib"] for r in pts]
        for key, label, style in [
                ("start_over_ms", "start over (open+reset, map+pin)", "k-o"),
                ("restore_ms", "restore (container+device+vaddr)", "r-o"),
                ("container_retrieve_ms", "container retrieve", "r:"),
                ("vaddr_update_ms", "vaddr update", "r--"),
                ("memfd_retrieve_ms", "memfd retrieve (LUO, not ours)", "b:"),
                ("preserve_ms", "preserve (old kernel)", "g--")]:
            y = [r.get(key) for r in pts]
            if all(v is not None for v in y):
                ax.plot(x, y, style, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(x)
        ax.set_xticklabels([f"{m} MiB" for m in x])
        ax.set_title(f"{'4 KiB pages' if page == '4k' else '2 MiB folios'}")
        ax.set_ylabel("ms (TCG)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("kho-devices: live update vs start over, per mapped size")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "bench.png"), dpi=90)


if __name__ == "__main__":
    sys.exit(main())
