package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.CString;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small DWARF 2-5 reader that walks .debug_info once and keeps what the exporter needs: member
 * offsets of chosen structs ("runtime.g.goid" -> 152), nested members through their types
 * ("runtime.schedt.gFree.stack.size"), and addresses of chosen global variables.
 */
final class DwarfStructs {
    private static final int TAG_STRUCTURE_TYPE = 0x13;
    private static final int TAG_MEMBER = 0x0d;
    private static final int TAG_VARIABLE = 0x34;
    private static final int TAG_TYPEDEF = 0x16;
    private static final int AT_NAME = 0x03;
    private static final int AT_LOCATION = 0x02;
    private static final int AT_DATA_MEMBER_LOCATION = 0x38;
    private static final int AT_TYPE = 0x49;
    private static final int AT_BYTE_SIZE = 0x0b;
    private static final int OP_ADDR = 0x03;
    private static final int OP_PLUS_UCONST = 0x23;

    private final Map<String, Long> memberOffsets = new HashMap<>();
    private final Map<String, Long> globals = new HashMap<>();
    /** Struct DIEs kept for nested lookups: the chosen ones and anonymous ones, by .debug_info offset. */
    private final Map<Long, Map<String, Member>> structsByDie = new HashMap<>();
    private final Map<String, Long> dieOfStruct = new HashMap<>();
    /** Go names its types through typedefs: typedef DIE -> the DIE it names. */
    private final Map<Long, Long> typedefs = new HashMap<>();
    private final Map<String, Long> structSizes = new HashMap<>();

    /** A member's offset in its struct and the .debug_info offset of its type (-1 when unknown). */
    private record Member(long offset, long typeDie) {
    }

    private DwarfStructs() {
    }

    /** Empty when the binary has no DWARF (stripped with -w). */
    static Optional<DwarfStructs> read(ElfFile elf, Set<String> structs, Set<String> variables)
            throws ElfFormatException, GoBinaryException {
        Optional<ByteBuffer> info = elf.sectionData(".debug_info");
        Optional<ByteBuffer> abbrev = elf.sectionData(".debug_abbrev");
        if (info.isEmpty() || abbrev.isEmpty()) {
            return Optional.empty();
        }
        DwarfStructs out = new DwarfStructs();
        ByteBuffer str = elf.sectionData(".debug_str").orElse(null);
        ByteBuffer lineStr = elf.sectionData(".debug_line_str").orElse(null);
        try {
            new Walker(info.get(), abbrev.get(), str, lineStr, structs, variables, out).walk();
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new GoBinaryException("malformed DWARF in .debug_info: " + e.getMessage());
        }
        return Optional.of(out);
    }

    /** Offset of "struct.member", e.g. "runtime.g.goid". */
    Optional<Long> memberOffset(String structDotMember) {
        return Optional.ofNullable(memberOffsets.get(structDotMember));
    }

    /**
     * Offset of a member reached through nested structs, e.g. ("runtime.schedt", "gFree", "stack",
     * "size"): each step follows the member's type, named or anonymous.
     */
    Optional<Long> nestedOffset(String struct, String... path) {
        Long die = dieOfStruct.get(struct);
        long total = 0;
        for (String name : path) {
            for (int hops = 0; die != null && !structsByDie.containsKey(die) && hops < 8; hops++) {
                die = typedefs.get(die);
            }
            Map<String, Member> members = die == null ? null : structsByDie.get(die);
            Member m = members == null ? null : members.get(name);
            if (m == null) {
                return Optional.empty();
            }
            total += m.offset();
            die = m.typeDie();
        }
        return Optional.of(total);
    }

    /** The byte size of a chosen struct. */
    Optional<Long> structSize(String struct) {
        return Optional.ofNullable(structSizes.get(struct));
    }

    Optional<Long> globalAddress(String name) {
        return Optional.ofNullable(globals.get(name));
    }

    /** Walks every compilation unit's DIE tree. */
    private static final class Walker {
        private final ByteBuffer info;
        private final ByteBuffer abbrevSection;
        private final ByteBuffer str;
        private final ByteBuffer lineStr;
        private final Set<String> structs;
        private final Set<String> variables;
        private final DwarfStructs out;
        private int addrSize;
        private int offsetSize;
        private int version;
        private final Map<Long, Map<Long, DwarfAbbrevs.Abbrev>> abbrevTables = new java.util.HashMap<>();

        Walker(ByteBuffer info, ByteBuffer abbrev, ByteBuffer str, ByteBuffer lineStr,
               Set<String> structs, Set<String> variables, DwarfStructs out) {
            this.info = info;
            this.abbrevSection = abbrev;
            this.str = str;
            this.lineStr = lineStr;
            this.structs = structs;
            this.variables = variables;
            this.out = out;
        }

        void walk() {
            int pos = 0;
            while (pos + 11 <= info.limit()) {
                long unitLength = Integer.toUnsignedLong(info.getInt(pos));
                int headerStart = pos + 4;
                offsetSize = 4;
                if (unitLength == 0xffffffffL) {
                    unitLength = info.getLong(pos + 4);
                    headerStart = pos + 12;
                    offsetSize = 8;
                }
                if (unitLength < 0 || unitLength > info.limit() - headerStart) {
                    throw new IllegalArgumentException("a unit at " + pos + " claims " + unitLength + " bytes, past the section's end");
                }
                int unitEnd = (int) (headerStart + unitLength);
                version = info.getShort(headerStart) & 0xffff;
                int p = headerStart + 2;
                long abbrevOffset;
                if (version >= 5) {
                    int unitType = info.get(p++) & 0xff;
                    addrSize = info.get(p++);
                    abbrevOffset = offsetSize == 8 ? info.getLong(p) : Integer.toUnsignedLong(info.getInt(p));
                    p += offsetSize;
                    if (unitType != 1 && unitType != 3) {
                        pos = unitEnd; // only full and partial compile units carry our types
                        continue;
                    }
                } else {
                    abbrevOffset = offsetSize == 8 ? info.getLong(p) : Integer.toUnsignedLong(info.getInt(p));
                    p += offsetSize;
                    addrSize = info.get(p++);
                }
                if (addrSize != 4 && addrSize != 8) {
                    throw new IllegalArgumentException("a unit at " + pos + " has address size " + addrSize);
                }
                if (abbrevOffset < 0 || abbrevOffset >= abbrevSection.limit()) {
                    throw new IllegalArgumentException("a unit's abbreviations at " + abbrevOffset + " lie past .debug_abbrev");
                }
                // Units share tables: parse each once.
                Map<Long, DwarfAbbrevs.Abbrev> abbrevs = abbrevTables.computeIfAbsent(abbrevOffset,
                        off -> DwarfAbbrevs.parse(abbrevSection, (int) (long) off));
                walkUnit(pos, p, unitEnd, abbrevs);
                pos = unitEnd;
            }
        }

        private void walkUnit(int unitStart, int p, int end, Map<Long, DwarfAbbrevs.Abbrev> abbrevs) {
            int depth = 0;
            String[] structAtDepth = new String[256];
            @SuppressWarnings("unchecked")
            Map<String, Member>[] keptAtDepth = new Map[256];
            Cursor c = new Cursor(info, p);
            while (c.pos < end) {
                long dieOffset = c.pos;
                long code = c.uleb();
                if (code == 0) {
                    depth--;
                    if (depth < 0) {
                        return;
                    }
                    continue;
                }
                DwarfAbbrevs.Abbrev a = abbrevs.get(code);
                if (a == null) {
                    throw new IllegalArgumentException("unknown abbrev " + code);
                }
                String name = null;
                Long memberLocation = null;
                Long variableAddress = null;
                long typeDie = -1;
                Long byteSize = null;
                for (int i = 0; i < a.attrs().length; i++) {
                    int attr = a.attrs()[i];
                    int form = a.forms()[i];
                    if (attr == AT_TYPE && (a.tag() == TAG_MEMBER || a.tag() == TAG_TYPEDEF)) {
                        typeDie = readReference(c, form, unitStart);
                    } else if (attr == AT_BYTE_SIZE && a.tag() == TAG_STRUCTURE_TYPE) {
                        byteSize = readLocation(c, form, a.implicitConsts()[i], -1);
                    } else if (attr == AT_NAME) {
                        name = readString(c, form);
                    } else if (attr == AT_DATA_MEMBER_LOCATION && a.tag() == TAG_MEMBER) {
                        memberLocation = readLocation(c, form, a.implicitConsts()[i], OP_PLUS_UCONST);
                    } else if (attr == AT_LOCATION && a.tag() == TAG_VARIABLE) {
                        variableAddress = readLocation(c, form, a.implicitConsts()[i], OP_ADDR);
                    } else {
                        DwarfForms.skip(c, form, addrSize, offsetSize, version);
                    }
                }
                if (c.pos <= dieOffset) {
                    throw new IllegalArgumentException("the entry at " + dieOffset + " does not advance");
                }
                String parent = depth > 0 && depth < structAtDepth.length ? structAtDepth[depth - 1] : null;
                if (a.tag() == TAG_MEMBER && parent != null && name != null && memberLocation != null) {
                    out.memberOffsets.putIfAbsent(parent + "." + name, memberLocation);
                }
                if (a.tag() == TAG_TYPEDEF && typeDie >= 0) {
                    out.typedefs.put(dieOffset, typeDie);
                }
                Map<String, Member> kept = depth > 0 && depth <= keptAtDepth.length ? keptAtDepth[depth - 1] : null;
                if (a.tag() == TAG_MEMBER && kept != null && name != null && memberLocation != null) {
                    kept.putIfAbsent(name, new Member(memberLocation, typeDie));
                }
                if (a.tag() == TAG_VARIABLE && name != null && variableAddress != null && variables.contains(name)) {
                    out.globals.putIfAbsent(name, variableAddress);
                }
                if (a.hasChildren()) {
                    if (depth < structAtDepth.length) {
                        boolean wanted = a.tag() == TAG_STRUCTURE_TYPE && name != null && structs.contains(name);
                        structAtDepth[depth] = wanted ? name : null;
                        boolean anonymous = a.tag() == TAG_STRUCTURE_TYPE && (name == null || name.startsWith("struct {"));
                        keptAtDepth[depth] = null;
                        if (wanted || anonymous) {
                            keptAtDepth[depth] = new HashMap<>();
                            out.structsByDie.put(dieOffset, keptAtDepth[depth]);
                            if (wanted) {
                                out.dieOfStruct.putIfAbsent(name, dieOffset);
                                if (byteSize != null) {
                                    out.structSizes.putIfAbsent(name, byteSize);
                                }
                            }
                        }
                    }
                    depth++;
                }
            }
        }

        /** A type reference as an absolute .debug_info offset, or -1 for forms we do not follow. */
        private long readReference(Cursor c, int form, int unitStart) {
            switch (form) {
                case DwarfForms.REF_ADDR: return c.offset(version <= 2 ? addrSize : offsetSize);
                case DwarfForms.REF4: return unitStart + Integer.toUnsignedLong(info.getInt(c.advance(4)));
                case DwarfForms.REF8: return unitStart + info.getLong(c.advance(8));
                case DwarfForms.REF_UDATA: return unitStart + c.uleb();
                default:
                    DwarfForms.skip(c, form, addrSize, offsetSize, version);
                    return -1;
            }
        }

        private String readString(Cursor c, int form) {
            switch (form) {
                case DwarfForms.STRING:
                    return c.cString(info);
                case DwarfForms.STRP:
                    return str == null ? skipAndNull(c, offsetSize) : cString(str, c.offset(offsetSize));
                case DwarfForms.LINE_STRP:
                    return lineStr == null ? skipAndNull(c, offsetSize) : cString(lineStr, c.offset(offsetSize));
                default:
                    DwarfForms.skip(c, form, addrSize, offsetSize, version);
                    return null;
            }
        }

        private static String skipAndNull(Cursor c, int size) {
            c.skipBlock(size);
            return null;
        }

        /** A constant, or a one-op expression (DW_OP_plus_uconst n / DW_OP_addr a). */
        private Long readLocation(Cursor c, int form, long implicitConst, int expectedOp) {
            switch (form) {
                case DwarfForms.DATA1: return (long) (c.u8());
                case DwarfForms.DATA2: return (long) (info.getShort(c.advance(2)) & 0xffff);
                case DwarfForms.DATA4: return Integer.toUnsignedLong(info.getInt(c.advance(4)));
                case DwarfForms.DATA8: return info.getLong(c.advance(8));
                case DwarfForms.UDATA: return c.uleb();
                case DwarfForms.SDATA: return c.sleb();
                case DwarfForms.IMPLICIT_CONST: return implicitConst;
                case DwarfForms.EXPRLOC:
                case DwarfForms.BLOCK1: {
                    long len = form == DwarfForms.EXPRLOC ? c.uleb() : c.u8();
                    int exprEnd = (int) (c.pos + len);
                    Long value = null;
                    if (len > 0) {
                        int op = c.u8();
                        if (op == expectedOp && op == OP_ADDR && addrSize == 8) {
                            value = info.getLong(c.advance(8));
                        } else if (op == expectedOp && op == OP_PLUS_UCONST) {
                            value = c.uleb();
                        }
                    }
                    c.pos = exprEnd;
                    return value;
                }
                default:
                    DwarfForms.skip(c, form, addrSize, offsetSize, version);
                    return null;
            }
        }

        private static String cString(ByteBuffer b, long off) {
            return CString.read(b, (int) off);
        }
    }
}
