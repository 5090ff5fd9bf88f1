package dev.gmpwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.testkit.GeneratedDocs;
import dev.gmpwatch.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/metrics.md lists exactly the families the collectors declare, with their types, labels and help. */
class MetricReferenceTest {
    @Test
    void theReferenceIsTheDeclarations() throws IOException {
        Path docs = Repo.root().resolve("docs/metrics.md");
        for (CollectorName c : CollectorName.values()) {
            assertEquals(GeneratedDocs.expected(docs, "metrics " + c.label(), MetricReference.markdown(c)), Files.readString(docs),
                    "docs/metrics.md's " + c.label() + " table differs from the declarations: rerun with -Dgmpwatch.updateDocs=true");
        }
        assertEquals(GeneratedDocs.expected(docs, "metrics " + MetricReference.ALWAYS, MetricReference.always()), Files.readString(docs),
                "docs/metrics.md's exporter table differs from the declarations: rerun with -Dgmpwatch.updateDocs=true");
    }
}
