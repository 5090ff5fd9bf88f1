package dev.gmpwatch.remediator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.gmpwatch.testkit.PackageLayers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The package order written in package-info.java holds. */
class LayersTest {
    private static PackageLayers layers() throws IOException {
        return PackageLayers.read(Path.of("src/main/java/dev/gmpwatch/remediator/package-info.java"), "dev.gmpwatch.remediator");
    }

    @Test
    void noPackageUsesAPeerOrALayerAboveIt() throws IOException {
        layers().check();
    }

    @Test
    void anUpwardArrowIsReported() throws Exception {
        List<String> v = layers().violations(new ClassFileImporter().importClasses(Class.forName("dev.gmpwatch.remediator.core.UpwardArrow")));
        assertEquals(List.of("core -> engine: UpwardArrow uses StateView"), v);
    }
}
