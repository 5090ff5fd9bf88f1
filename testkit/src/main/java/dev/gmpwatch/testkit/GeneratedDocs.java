package dev.gmpwatch.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A part of a doc generated from code, between {@code <!-- BEGIN NAME ...-->} and
 * {@code <!-- END NAME -->}. A test compares it with what the code generates now; with
 * -Dgmpwatch.updateDocs=true it rewrites the part instead.
 */
public final class GeneratedDocs {
    private GeneratedDocs() {
    }

    /**
     * The doc as it should read, with the part called {@code name} replaced by {@code content};
     * when updating, the doc is rewritten so, and then reads as expected. Fails when the doc has
     * no such part.
     */
    public static String expected(Path doc, String name, String content) throws IOException {
        String text = Files.readString(doc);
        Matcher m = Pattern.compile("(<!-- BEGIN " + Pattern.quote(name) + "\\b[^\\n]*-->\\n)(.*?)(<!-- END " + Pattern.quote(name) + " -->)",
                Pattern.DOTALL).matcher(text);
        if (!m.find()) {
            throw new AssertionError(doc.getFileName() + " has no '<!-- BEGIN " + name + "' ... '<!-- END " + name + " -->' part");
        }
        String updated = text.substring(0, m.start(2)) + content + text.substring(m.end(2));
        if (Boolean.getBoolean("gmpwatch.updateDocs")) {
            Files.writeString(doc, updated);
        }
        return updated;
    }
}
