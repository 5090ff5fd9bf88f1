package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the value of runtime.buildVersion in a binary that has no build info blob: a Go string
 * header in .data/.noptrdata whose bytes in .rodata read exactly like a release version.
 */
final class RuntimeBuildVersion {
    private static final Pattern VERSION = Pattern.compile("go1\\.\\d{1,3}(?:\\.\\d{1,3}|(?:rc|beta)\\d{1,2})?");
    private static final byte[] PREFIX = "go1.".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LEN = 16;

    private RuntimeBuildVersion() {
    }

    static Optional<String> find(ElfFile elf) throws ElfFormatException {
        Map<Long, String> candidates = candidates(elf);
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        String best = null;
        for (String name : new String[] {".noptrdata", ".data"}) {
            Optional<ElfSection> s = elf.section(name);
            if (s.isEmpty() || !s.get().hasFileData()) {
                continue;
            }
            ByteBuffer b = elf.sectionData(s.get());
            long base = s.get().address();
            for (int off = 0; off + 16 <= b.limit(); off += 8) {
                long ptr = elf.readPointer(base + off);
                String text = candidates.get(ptr);
                if (text == null) {
                    continue;
                }
                long len = b.getLong(off + 8);
                if (len > 0 && len <= text.length() && VERSION.matcher(text.substring(0, (int) len)).matches()) {
                    String v = text.substring(0, (int) len);
                    if (best == null || v.length() > best.length()) {
                        best = v;
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Addresses in .rodata where a version-shaped string starts, with the longest match there. */
    private static Map<Long, String> candidates(ElfFile elf) throws ElfFormatException {
        Map<Long, String> out = new HashMap<>();
        Optional<ElfSection> rodata = elf.section(".rodata");
        if (rodata.isEmpty()) {
            return out;
        }
        ByteBuffer b = elf.sectionData(rodata.get());
        byte[] window = new byte[MAX_LEN];
        for (int i = 0; i + PREFIX.length <= b.limit(); i++) {
            if (b.get(i) != 'g' || b.get(i + 1) != 'o' || b.get(i + 2) != '1' || b.get(i + 3) != '.') {
                continue;
            }
            int n = Math.min(MAX_LEN, b.limit() - i);
            b.get(i, window, 0, n);
            Matcher m = VERSION.matcher(new String(window, 0, n, StandardCharsets.ISO_8859_1));
            if (m.lookingAt()) {
                out.put(rodata.get().address() + i, m.group());
            }
        }
        return out;
    }
}
