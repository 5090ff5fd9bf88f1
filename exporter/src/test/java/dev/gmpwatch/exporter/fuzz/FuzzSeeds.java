package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Seed corpora from real Go binaries built at test time (never committed): whole binaries, and the
 * sections each focused target parses, laid out as that target reads its input.
 */
final class FuzzSeeds {
    /** Targets seeded with arm64 builds as well. */
    private static final java.util.Set<String> ARM64_SEEDED = java.util.Set.of("ElfTarget", "GoBinaryTarget", "Arm64Target");

    private FuzzSeeds() {
    }

    static void write(String target, Path dir) throws Exception {
        Files.createDirectories(dir);
        List<Path> binaries = new ArrayList<>();
        for (GoToolchain go : GoToolchain.newestAndGo119()) {
            for (Variant v : Variant.values()) {
                binaries.add(GoFixtures.build(go, "httpserver", v));
                if (ARM64_SEEDED.contains(target)) {
                    binaries.add(GoFixtures.build(go, "httpserver", v, Machine.ARM64));
                }
            }
        }
        int i = 0;
        for (Path bin : binaries) {
            String name = "seed-" + i++ + "-" + bin.getFileName();
            ElfFile elf = ElfFile.open(bin);
            byte[] seed = switch (target) {
                case "ElfTarget", "GoBinaryTarget" -> Files.readAllBytes(bin);
                case "PclntabTarget" -> section(elf, ".gopclntab").or(() -> section(elf, ".data.rel.ro.gopclntab")).orElse(null);
                case "BuildInfoTarget" -> section(elf, ".go.buildinfo").orElse(null);
                case "DwarfTarget" -> dwarf(elf);
                case "X86Target" -> elf.machine() != Machine.AMD64 ? null
                        : section(elf, ".text").map(t -> java.util.Arrays.copyOf(t, Math.min(t.length, 64 * 1024))).orElse(null);
                case "Arm64Target" -> elf.machine() != Machine.ARM64 ? null
                        : section(elf, ".text").map(t -> java.util.Arrays.copyOf(t, Math.min(t.length, 64 * 1024))).orElse(null);
                case "SnapshotTarget" -> i == 1 ? memory() : null;
                default -> throw new IllegalArgumentException("no seeds for " + target);
            };
            if (seed != null) {
                Files.write(dir.resolve(name), seed);
            }
        }
    }

    /** The Go binary whose runtime layout SnapshotTarget lays its synthetic memory out by. */
    static Path layoutBinary() {
        return GoFixtures.build(GoToolchain.newest(), "httpserver", Variant.NORMAL);
    }

    /**
     * A memory image with somewhere to go: allglen 4, allgptr pointing into the heap at four gs,
     * each parked (status 4) with a small stack. Windows come first, the heap after them; each
     * window's length is read from the end, two bytes, most significant first.
     */
    private static byte[] memory() {
        ByteBuffer sched = ByteBuffer.allocate(64);
        ByteBuffer allp = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 0xc0c0_0000_0000_4000L);
        ByteBuffer allglen = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 4);
        ByteBuffer allgptr = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 0xc0c0_0000_0000_0100L);
        ByteBuffer gomaxprocs = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 1);
        ByteBuffer memstats = ByteBuffer.allocate(64);
        ByteBuffer heap = ByteBuffer.allocate(1 << 15).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int g = 0; g < 4; g++) {
            heap.putLong(0x100 + 8 * g, 0xc0c0_0000_0000_1000L + 0x1000L * g);
            for (int off = 0; off < 0x400; off += 8) {
                heap.putLong(0x1000 + 0x1000 * g + off, off == 0 ? 0xc0c0_0000_0000_6000L : 0x0000_0004_0000_0004L);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer[] windows = {sched, allp, allglen, allgptr, gomaxprocs, memstats};
        for (ByteBuffer w : windows) {
            out.writeBytes(w.array());
        }
        out.writeBytes(heap.array());
        for (int i = windows.length - 1; i >= 0; i--) {
            int len = windows[i].capacity();
            out.write(len & 0xff);
            out.write(len >> 8 & 0xff);
        }
        return out.toByteArray();
    }

    private static Optional<byte[]> section(ElfFile elf, String name) {
        try {
            return elf.sectionData(name).map(FuzzSeeds::bytes);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** [abbrev][str][info][str length][abbrev length]: DwarfTarget takes its lengths from the end. */
    private static byte[] dwarf(ElfFile elf) {
        byte[] abbrev = section(elf, ".debug_abbrev").orElse(null);
        byte[] info = section(elf, ".debug_info").orElse(null);
        if (abbrev == null || info == null || abbrev.length > 1 << 16) {
            return null;
        }
        byte[] str = section(elf, ".debug_str").orElse(new byte[0]);
        str = java.util.Arrays.copyOf(str, Math.min(str.length, 1 << 16));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(abbrev);
        out.writeBytes(str);
        out.writeBytes(java.util.Arrays.copyOf(info, Math.min(info.length, 256 * 1024)));
        for (int len : new int[] {str.length, abbrev.length}) {
            out.write(len & 0xff); // read last byte first, most significant first
            out.write(len >> 8 & 0xff);
            out.write(len >> 16 & 0xff);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
