package dev.gmpwatch.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.gmpwatch.testkit.PackageLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The package order written in package-info.java holds, and only host names /proc and /sys. */
class LayersTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/gmpwatch/exporter");
    /** A string literal that starts a /proc or /sys path (help text that mentions one is fine). */
    private static final Pattern KERNEL_PATH = Pattern.compile("\"/(proc|sys)(/|\")");

    private static PackageLayers layers() throws IOException {
        return PackageLayers.read(SOURCES.resolve("package-info.java"), "dev.gmpwatch.exporter");
    }

    @Test
    void noPackageUsesAPeerOrALayerAboveIt() throws IOException {
        layers().check();
    }

    @Test
    void anUpwardArrowIsReported() throws Exception {
        List<String> v = layers().violations(new ClassFileImporter().importClasses(Class.forName("dev.gmpwatch.exporter.elf.UpwardArrow")));
        assertEquals(List.of("elf -> gobinary: UpwardArrow uses GoVersion"), v);
    }

    @Test
    void onlyTheHostPackageBuildsProcOrSysPaths() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.startsWith(SOURCES.resolve("host"))).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = KERNEL_PATH.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(SOURCES.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "/proc and /sys belong to the host package:\n" + String.join("\n", found));
    }
}
