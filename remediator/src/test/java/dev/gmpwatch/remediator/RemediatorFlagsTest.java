package dev.gmpwatch.remediator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.testkit.GeneratedDocs;
import dev.gmpwatch.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The remediator's flags: parsed from one table, whose reference in docs/remediator.md is generated. */
class RemediatorFlagsTest {
    @Test
    void theDocsReferenceIsTheTable() throws IOException {
        Path docs = Repo.root().resolve("docs/remediator.md");
        String expected = GeneratedDocs.expected(docs, "flags", RemediatorFlags.markdown());
        assertEquals(expected, Files.readString(docs),
                "docs/remediator.md's flag reference differs from RemediatorFlags: rerun with -Dgmpwatch.updateDocs=true");
        for (RemediatorFlags f : RemediatorFlags.values()) {
            assertTrue(RemediatorFlags.help().contains(f.synopsis()), "--help lacks " + f.synopsis());
        }
    }

    @Test
    void parsesBothSpellingsAndRefusesWhatItDoesNotKnow() {
        assertEquals(Map.of(RemediatorFlags.CONFIG, "a.yml", RemediatorFlags.DRY_RUN, "true"),
                RemediatorFlags.parse(new String[] {"--config=a.yml", "--dry-run"}));
        assertEquals(Map.of(RemediatorFlags.CONFIG, "b.yml"), RemediatorFlags.parse(new String[] {"--config", "b.yml"}));
        assertEquals("unknown flag --dryrun", assertThrows(IllegalArgumentException.class,
                () -> RemediatorFlags.parse(new String[] {"--dryrun"})).getMessage());
        assertEquals("--config needs a value", assertThrows(IllegalArgumentException.class,
                () -> RemediatorFlags.parse(new String[] {"--config"})).getMessage());
        assertEquals("--dry-run takes no value", assertThrows(IllegalArgumentException.class,
                () -> RemediatorFlags.parse(new String[] {"--dry-run=yes"})).getMessage());
        assertEquals("unexpected argument 'x.yml'", assertThrows(IllegalArgumentException.class,
                () -> RemediatorFlags.parse(new String[] {"x.yml"})).getMessage());
    }
}
