package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/** Each executable file analysed once, however many processes run it; a replaced file is analysed anew. */
final class BinaryAnalyses {
    /** The analysis of one executable file, or why it failed. */
    record Analysis(GoBinary binary, String error, boolean notGo) {
    }

    private final Map<String, Analysis> byFile = new HashMap<>();

    /** @param target what the process's exe link points to */
    Analysis of(Path exeLink, String target) {
        return byFile.computeIfAbsent(key(exeLink, target), k -> analyze(exeLink));
    }

    private static Analysis analyze(Path exeLink) {
        try {
            return new Analysis(GoBinary.analyze(exeLink), null, false);
        } catch (GoBinaryException e) {
            return new Analysis(null, e.getMessage(), e.notGo());
        } catch (ElfFormatException e) {
            return new Analysis(null, e.getMessage(), true);
        }
    }

    private static String key(Path exeLink, String target) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(exeLink, BasicFileAttributes.class);
            return target + "|" + attrs.fileKey() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return target;
        }
    }
}
