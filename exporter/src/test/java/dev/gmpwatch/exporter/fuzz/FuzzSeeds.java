package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.elf.ElfFile;
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
    private FuzzSeeds() {
    }

    static void write(String target, Path dir) throws Exception {
        Files.createDirectories(dir);
        List<Path> binaries = new ArrayList<>();
        for (GoToolchain go : GoToolchain.newestAndGo119()) {
            for (Variant v : Variant.values()) {
                binaries.add(GoFixtures.build(go, "httpserver", v));
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
                case "X86Target" -> section(elf, ".text").map(t -> java.util.Arrays.copyOf(t, Math.min(t.length, 64 * 1024))).orElse(null);
                default -> throw new IllegalArgumentException("no seeds for " + target);
            };
            if (seed != null) {
                Files.write(dir.resolve(name), seed);
            }
        }
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
