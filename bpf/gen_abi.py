#!/usr/bin/env python3
"""Turns a BPF header's #define constants and structs into a Java class of constants.

usage: gen_abi.py HEADER OUTDIR PACKAGE CLASS

Every `#define NAME <integer>` becomes a constant (long when it has a ULL suffix or does not fit an
int). Every `struct name { ... };` of __u8/__u16/__u32/__u64/__s32/__s64 fields and arrays of them
becomes NAME_SIZE and NAME_FIELD_OFFSET constants, laid out as clang lays out a BPF struct: each field at
its natural alignment, the size rounded up to the largest alignment. SchedulerAbiTest checks the
result against the compiled object's BTF, so a layout this script gets wrong fails the build.
"""
import os
import re
import sys

SIZES = {"__u8": 1, "__s8": 1, "__u16": 2, "__s16": 2, "__u32": 4, "__s32": 4, "__u64": 8, "__s64": 8}


def main():
    header, outdir, package, cls = sys.argv[1:5]
    text = open(header).read()
    nocomments = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    consts = {}
    lines = []
    for m in re.finditer(r"^#define\s+([A-Z][A-Z0-9_]*)\s+(0x[0-9a-fA-F]+|\d+)(ULL|UL|U)?\s*$", nocomments, re.M):
        name, literal, suffix = m.group(1), m.group(2), m.group(3)
        value = int(literal, 0)
        consts[name] = value
        wide = bool(suffix) or value > 0x7FFFFFFF
        lines.append(f"    public static final {'long' if wide else 'int'} {name} = {literal}{'L' if wide else ''};")
    for m in re.finditer(r"struct\s+(\w+)\s*\{(.*?)\};", nocomments, re.S):
        sname, body = m.group(1), m.group(2)
        offset, align = 0, 1
        fields = []
        for f in re.finditer(r"(\w+)\s+(\w+)(?:\[(\w+)\])?\s*;", body):
            ctype, fname, count = f.group(1), f.group(2), f.group(3)
            if ctype not in SIZES:
                sys.exit(f"gen_abi.py: {header}: struct {sname}.{fname} has type {ctype}, which it cannot lay out")
            size = SIZES[ctype]
            n = 1 if count is None else (int(count) if count.isdigit() else consts[count])
            offset = (offset + size - 1) // size * size
            fields.append((fname, offset))
            offset += size * n
            align = max(align, size)
        total = (offset + align - 1) // align * align
        prefix = sname.upper()
        lines.append("")
        lines.append(f"    /** struct {sname}. */")
        lines.append(f"    public static final int {prefix}_SIZE = {total};")
        for fname, off in fields:
            lines.append(f"    public static final int {prefix}_{fname.upper()}_OFFSET = {off};")
    os.makedirs(os.path.join(outdir, *package.split(".")), exist_ok=True)
    out = os.path.join(outdir, *package.split("."), cls + ".java")
    rel = os.path.relpath(header, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    with open(out, "w") as f:
        f.write(f"package {package};\n\n")
        f.write(f"/** The constants and struct layouts of {rel}, generated from it by bpf/gen_abi.py: edit the header, not this. */\n")
        f.write(f"public final class {cls} {{\n")
        f.write(f"    private {cls}() {{\n    }}\n\n")
        f.write("\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()
