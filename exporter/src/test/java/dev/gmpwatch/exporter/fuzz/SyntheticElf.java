package dev.gmpwatch.exporter.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal valid ELF64 image around given section contents: one loadable segment at 0x400000
 * mapping the whole file, each section at its file offset plus that base, and .shstrtab. It lets
 * a fuzz target put fuzzed bytes in one section and reach that section's parser.
 */
final class SyntheticElf {
    static final long BASE = 0x400000;
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    private static final int SHDR = 64;

    private SyntheticElf() {
    }

    static byte[] build(Map<String, byte[]> sections) {
        Map<String, byte[]> all = new LinkedHashMap<>(sections);
        StringBuilder names = new StringBuilder("\0");
        Map<String, Integer> nameOffsets = new LinkedHashMap<>();
        for (String n : all.keySet()) {
            nameOffsets.put(n, names.length());
            names.append(n).append('\0');
        }
        nameOffsets.put(".shstrtab", names.length());
        names.append(".shstrtab\0");
        byte[] shstrtab = names.toString().getBytes(StandardCharsets.US_ASCII);

        int offset = EHDR + PHDR;
        Map<String, Integer> offsets = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            offset = (offset + 15) & ~15;
            offsets.put(e.getKey(), offset);
            offset += e.getValue().length;
        }
        int shstrtabOffset = offset;
        offset += shstrtab.length;
        int shoff = (offset + 7) & ~7;
        int shnum = all.size() + 2;
        ByteBuffer b = ByteBuffer.allocate(shoff + shnum * SHDR).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) 62).putInt(1); // ET_EXEC, x86-64, version
        b.putLong(BASE).putLong(EHDR).putLong(shoff).putInt(0);
        b.putShort((short) EHDR).putShort((short) PHDR).putShort((short) 1).putShort((short) SHDR)
                .putShort((short) shnum).putShort((short) (shnum - 1));
        b.position(EHDR);
        b.putInt(1).putInt(5).putLong(0).putLong(BASE).putLong(BASE).putLong(b.capacity()).putLong(b.capacity()).putLong(0x1000);
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            b.position(offsets.get(e.getKey()));
            b.put(e.getValue());
        }
        b.position(shstrtabOffset);
        b.put(shstrtab);
        b.position(shoff + SHDR); // section 0 stays empty
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            section(b, nameOffsets.get(e.getKey()), 1, 2, BASE + offsets.get(e.getKey()), offsets.get(e.getKey()), e.getValue().length);
        }
        section(b, nameOffsets.get(".shstrtab"), 3, 0, 0, shstrtabOffset, shstrtab.length);
        return b.array();
    }

    private static void section(ByteBuffer b, int name, int type, long flags, long addr, long offset, long size) {
        b.putInt(name).putInt(type).putLong(flags).putLong(addr).putLong(offset).putLong(size).putInt(0).putInt(0)
                .putLong(1).putLong(0);
    }
}
