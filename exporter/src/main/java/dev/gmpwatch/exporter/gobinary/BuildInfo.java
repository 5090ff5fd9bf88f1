package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The Go version from the build info blob that the linker writes into Go binaries. The blob
 * starts with the 14-byte magic "\xff Go buildinf:" at a 16-byte aligned address; it usually has
 * its own .go.buildinfo section, but some linkers merge it into .data, so we fall back to a scan.
 * Some release pipelines drop the blob entirely; then the runtime.buildVersion string is used.
 */
public final class BuildInfo {
    private static final byte[] MAGIC = "\u00ff Go buildinf:".getBytes(StandardCharsets.ISO_8859_1);
    private static final int FLAG_BIG_ENDIAN = 0x1;
    private static final int FLAG_VERSION_INLINE = 0x2;

    private BuildInfo() {
    }

    /** The version string, e.g. "go1.26.5". */
    public static String goVersion(ElfFile elf) throws GoBinaryException, ElfFormatException {
        ByteBuffer file = elf.bytes();
        int at = elf.section(".go.buildinfo")
                .filter(ElfSection::hasFileData)
                .map(s -> (int) s.offset())
                .filter(off -> matchesMagic(file, off))
                .orElseGet(() -> scanForMagic(file).orElse(-1));
        if (at >= 0) {
            return parse(elf, file, at);
        }
        return RuntimeBuildVersion.find(elf)
                .orElseThrow(() -> GoBinaryException.notGo("no Go build info or runtime version string"));
    }

    private static String parse(ElfFile elf, ByteBuffer file, int at) throws GoBinaryException, ElfFormatException {
        if (at + 32 > file.capacity()) {
            throw new GoBinaryException("truncated Go build info");
        }
        int ptrSize = file.get(at + 14);
        int flags = file.get(at + 15);
        if ((flags & FLAG_BIG_ENDIAN) != 0 || ptrSize != 8) {
            throw new GoBinaryException("Go build info is not for a 64-bit little-endian target");
        }
        if ((flags & FLAG_VERSION_INLINE) != 0) {
            // Go 1.18+: the version follows the 32-byte header as a uvarint-prefixed string.
            int[] pos = {at + 32};
            long len = readUvarint(file, pos);
            if (len <= 0 || len > 1024 || pos[0] + len > file.capacity()) {
                throw new GoBinaryException("malformed Go build info version");
            }
            return string(file, pos[0], (int) len);
        }
        // Before Go 1.18: a pointer to a Go string header (data pointer, length).
        long header = file.getLong(at + 16);
        long dataPtr = elf.readPointer(header);
        ByteBuffer lenBuf = elf.readAt(header + 8, 8);
        if (lenBuf.remaining() < 8) {
            throw new GoBinaryException("malformed Go build info: its version header runs past its segment");
        }
        long len = lenBuf.getLong(lenBuf.position());
        if (len <= 0 || len > 1024) {
            throw new GoBinaryException("malformed Go build info version");
        }
        ByteBuffer s = elf.readAt(dataPtr, len);
        byte[] b = new byte[s.remaining()];
        s.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Optional<Integer> scanForMagic(ByteBuffer file) {
        for (int off = 0; off + MAGIC.length <= file.capacity(); off += 16) {
            if (matchesMagic(file, off)) {
                return Optional.of(off);
            }
        }
        return Optional.empty();
    }

    private static boolean matchesMagic(ByteBuffer file, int off) {
        if (off < 0 || off + MAGIC.length > file.capacity()) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (file.get(off + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static long readUvarint(ByteBuffer b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64 && pos[0] < b.capacity(); shift += 7) {
            int x = b.get(pos[0]++) & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                return v;
            }
        }
        return -1;
    }

    private static String string(ByteBuffer b, int off, int len) {
        byte[] out = new byte[len];
        b.get(off, out);
        return new String(out, StandardCharsets.UTF_8);
    }
}
