#!/usr/bin/env python3
"""Regenerates the exporter's per-Go-version tables from unstripped Go binaries.

usage: scripts/gen-version-tables.py BINARY...

Each BINARY must carry DWARF and .symtab (a normal `go build`). The script runs
`gmpwatch-exporter.jar inspect --json` on it and merges the struct offsets and wait reasons into
exporter/src/main/resources/gobinary/{struct-offsets,wait-reasons}.json, keyed by minor version.
The exporter uses these tables for stripped binaries; VersionTablesTest checks them against the
DWARF of every toolchain the machine can get.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
JAR = ROOT / "exporter/target/gmpwatch-exporter.jar"
RES = ROOT / "exporter/src/main/resources/gobinary"


def minor(version):
    m = re.match(r"^go1\.(\d+)", version)
    if not m:
        sys.exit(f"gen-version-tables: not a release version: {version}")
    return f"go1.{m.group(1)}"


def load(name):
    path = RES / name
    return json.loads(path.read_text()) if path.exists() else {}


def save(name, table):
    ordered = dict(sorted(table.items(), key=lambda kv: int(kv[0].split(".")[1])))
    (RES / name).write_text(json.dumps(ordered, indent=2) + "\n")


def main(binaries):
    if not binaries:
        sys.exit(__doc__)
    offsets, reasons = load("struct-offsets.json"), load("wait-reasons.json")
    for b in binaries:
        out = subprocess.run(["java", "-jar", str(JAR), "inspect", "--json", b],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        if r["structOffsetsSource"] != "dwarf" or r["waitReasonsSource"] != "symbol":
            sys.exit(f"gen-version-tables: {b} has no DWARF or symbols; build it without -s -w")
        key = minor(r["goVersion"])
        offsets[key] = r["structOffsets"]
        codes = sorted(r["waitReasons"], key=int)
        reasons[key] = [r["waitReasons"][c] for c in codes]
        print(f"{b}: {r['goVersion']} -> {key}")
    save("struct-offsets.json", offsets)
    save("wait-reasons.json", reasons)


if __name__ == "__main__":
    main(sys.argv[1:])
