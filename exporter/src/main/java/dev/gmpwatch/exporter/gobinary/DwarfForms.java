package dev.gmpwatch.exporter.gobinary;

/** DWARF attribute form codes (DWARF 2-5) and how many bytes each occupies. */
final class DwarfForms {
    static final int ADDR = 0x01;
    static final int BLOCK2 = 0x03;
    static final int BLOCK4 = 0x04;
    static final int DATA2 = 0x05;
    static final int DATA4 = 0x06;
    static final int DATA8 = 0x07;
    static final int STRING = 0x08;
    static final int BLOCK = 0x09;
    static final int BLOCK1 = 0x0a;
    static final int DATA1 = 0x0b;
    static final int FLAG = 0x0c;
    static final int SDATA = 0x0d;
    static final int STRP = 0x0e;
    static final int UDATA = 0x0f;
    static final int REF_ADDR = 0x10;
    static final int REF1 = 0x11;
    static final int REF2 = 0x12;
    static final int REF4 = 0x13;
    static final int REF8 = 0x14;
    static final int REF_UDATA = 0x15;
    static final int INDIRECT = 0x16;
    static final int SEC_OFFSET = 0x17;
    static final int EXPRLOC = 0x18;
    static final int FLAG_PRESENT = 0x19;
    static final int STRX = 0x1a;
    static final int ADDRX = 0x1b;
    static final int REF_SUP4 = 0x1c;
    static final int STRP_SUP = 0x1d;
    static final int DATA16 = 0x1e;
    static final int LINE_STRP = 0x1f;
    static final int REF_SIG8 = 0x20;
    static final int IMPLICIT_CONST = 0x21;
    static final int LOCLISTX = 0x22;
    static final int RNGLISTX = 0x23;
    static final int REF_SUP8 = 0x24;
    static final int STRX1 = 0x25;
    static final int STRX2 = 0x26;
    static final int STRX3 = 0x27;
    static final int STRX4 = 0x28;
    static final int ADDRX1 = 0x29;
    static final int ADDRX2 = 0x2a;
    static final int ADDRX3 = 0x2b;
    static final int ADDRX4 = 0x2c;

    private DwarfForms() {
    }

    /** Moves the cursor past one attribute value of the given form. */
    static void skip(Cursor c, int form, int addrSize, int offsetSize, int version) {
        switch (form) {
            case ADDR -> c.pos += addrSize;
            case BLOCK2 -> c.skipBlock(c.u8() | c.u8() << 8);
            case BLOCK4 -> c.skipBlock(c.u8() | c.u8() << 8 | c.u8() << 16 | c.u8() << 24);
            case DATA1, REF1, FLAG, STRX1, ADDRX1 -> c.pos += 1;
            case DATA2, REF2, STRX2, ADDRX2 -> c.pos += 2;
            case STRX3, ADDRX3 -> c.pos += 3;
            case DATA4, REF4, REF_SUP4, STRX4, ADDRX4 -> c.pos += 4;
            case DATA8, REF8, REF_SIG8, REF_SUP8 -> c.pos += 8;
            case DATA16 -> c.pos += 16;
            case STRING -> {
                while (c.u8() != 0) {
                    // skip to the terminating NUL
                }
            }
            case BLOCK, EXPRLOC -> c.skipBlock(c.uleb());
            case BLOCK1 -> c.skipBlock(c.u8());
            case SDATA -> c.sleb();
            case UDATA, REF_UDATA, STRX, ADDRX, LOCLISTX, RNGLISTX -> c.uleb();
            case STRP, SEC_OFFSET, LINE_STRP, STRP_SUP -> c.pos += offsetSize;
            case REF_ADDR -> c.pos += version <= 2 ? addrSize : offsetSize;
            case INDIRECT -> skip(c, (int) c.uleb(), addrSize, offsetSize, version);
            case FLAG_PRESENT, IMPLICIT_CONST -> {
                // no data in .debug_info
            }
            default -> throw new IllegalArgumentException("unknown DWARF form 0x" + Integer.toHexString(form));
        }
    }
}
