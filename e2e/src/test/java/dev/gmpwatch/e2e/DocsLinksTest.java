package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The docs hold together: every relative link and anchor resolves, and the README stays an entry page. */
class DocsLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules", ".gmpwatch-cache");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        Path root = Repo.root();
        List<Path> docs = markdownFiles(root);
        assertTrue(docs.contains(root.resolve("CONTRIBUTING.md")) && docs.contains(root.resolve("docs/runbooks.md")), "docs found: " + docs);
        List<String> broken = new ArrayList<>();
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc);
            boolean code = false;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("```")) {
                    code = !code;
                    continue;
                }
                Matcher m = LINK.matcher(lines.get(i));
                while (!code && m.find()) {
                    String problem = problem(doc, m.group(1));
                    if (problem != null) {
                        broken.add(root.relativize(doc) + ":" + (i + 1) + ": " + m.group(1) + " " + problem);
                    }
                }
            }
        }
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    @Test
    void theReadmeIsAnEntryPage() throws IOException {
        List<String> readme = Files.readAllLines(Repo.root().resolve("README.md"));
        assertTrue(readme.size() <= 250, "README.md has " + readme.size() + " lines; the guides belong in docs/");
        assertFalse(readme.stream().noneMatch(l -> l.contains("bash scripts/test.sh")), "the README gives the test command");
    }

    /** Why a link does not resolve, or null when it does. */
    private static String problem(Path doc, String link) throws IOException {
        if (link.matches("[a-z]+:.*")) {
            return null; // http(s), mailto: not checked offline
        }
        int hash = link.indexOf('#');
        String path = hash < 0 ? link : link.substring(0, hash);
        Path target = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
        if (!Files.exists(target)) {
            return "(no such file)";
        }
        if (hash >= 0 && target.toString().endsWith(".md") && !anchors(target).contains(link.substring(hash + 1))) {
            return "(no such heading in " + target.getFileName() + ")";
        }
        return null;
    }

    /** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces as dashes. */
    static Set<String> anchors(Path md) throws IOException {
        Set<String> out = new HashSet<>();
        boolean code = false;
        for (String line : Files.readAllLines(md)) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (!code && line.matches("#{1,6} .*")) {
                out.add(line.replaceFirst("^#+\\s*", "").strip().toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    private static List<Path> markdownFiles(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> StreamSupport.stream(root.relativize(p).spliterator(), false).noneMatch(n -> SKIPPED_DIRS.contains(n.toString())))
                    .sorted().toList();
        }
    }
}
