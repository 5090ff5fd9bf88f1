package dev.gmpwatch.testkit;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's package layers, read from the ordered list in its root {@code package-info.java}
 * (one {@code <li>} per layer, lowest first, each naming its packages as {@code {@code name}}
 * before a colon) and checked against the compiled main classes. The list is the one place the
 * order is written; this class only enforces it.
 */
public final class PackageLayers {
    private static final Pattern LAYER = Pattern.compile("<li>(.*?):");
    private static final Pattern NAME = Pattern.compile("\\{@code ([a-z][\\w.]*)}");

    private final String root;
    /** Package (relative to the root) to its layer's index, lowest layer 0. */
    private final Map<String, Integer> layerOf = new HashMap<>();

    private PackageLayers(String root, List<List<String>> layers) {
        this.root = root;
        for (int i = 0; i < layers.size(); i++) {
            for (String p : layers.get(i)) {
                if (layerOf.put(p, i) != null) {
                    throw new AssertionError("package " + p + " is listed twice in the layers of " + root);
                }
            }
        }
    }

    /** The layers listed in {@code packageInfo}, the javadoc of the package {@code root}. */
    public static PackageLayers read(Path packageInfo, String root) throws IOException {
        List<List<String>> layers = new ArrayList<>();
        for (String line : Files.readAllLines(packageInfo)) {
            Matcher li = LAYER.matcher(line);
            if (li.find()) {
                List<String> names = new ArrayList<>();
                Matcher n = NAME.matcher(li.group(1));
                while (n.find()) {
                    names.add(n.group(1));
                }
                layers.add(names);
            }
        }
        if (layers.isEmpty()) {
            throw new AssertionError(packageInfo + " lists no layers (<li>{@code pkg}: what it holds</li>)");
        }
        return new PackageLayers(root, layers);
    }

    /** The main classes under the root package, as compiled (tests and jars left out). */
    public JavaClasses mainClasses() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(root);
    }

    /**
     * Every dependency between our packages that runs sideways (to a peer of the same layer) or
     * upward, and every package no layer names. Classes of the root package itself (the entry
     * point) sit above every layer.
     */
    public List<String> violations(JavaClasses classes) {
        TreeSet<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            Home from = home(c);
            if (from == Home.UNLISTED) {
                out.add("package " + c.getPackageName() + " is in no layer: add it to the list in the root package-info.java");
            }
            if (from.layer < 0) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                Home to = home(d.getTargetClass());
                if (to != Home.EXTERNAL && to != Home.UNLISTED && !to.pkg.equals(from.pkg) && to.layer >= from.layer) {
                    out.add(from.pkg + " -> " + to.pkg + ": " + c.getSimpleName() + " uses " + d.getTargetClass().getSimpleName());
                }
            }
        }
        return List.copyOf(out);
    }

    /** Fails with every violation, and with any cycle between packages (sub-packages included). */
    public void check() {
        JavaClasses classes = mainClasses();
        if (classes.isEmpty()) {
            throw new AssertionError("no compiled classes under " + root + ": run the tests through Maven");
        }
        List<String> v = violations(classes);
        if (!v.isEmpty()) {
            throw new AssertionError("package layering of " + root + " broken (see its package-info.java):\n  "
                    + String.join("\n  ", v));
        }
        slices().matching(root + ".(**)").should().beFreeOfCycles().check(classes);
    }

    /** Where a class sits: a listed package (by the longest listed prefix), the root, or outside. */
    private record Home(String pkg, int layer) {
        static final Home EXTERNAL = new Home("(external)", -1);
        static final Home UNLISTED = new Home("(unlisted)", -1);
    }

    private Home home(JavaClass c) {
        String pkg = c.getPackageName();
        if (pkg.equals(root)) {
            return new Home("(root)", Integer.MAX_VALUE);
        }
        if (!pkg.startsWith(root + ".")) {
            return Home.EXTERNAL;
        }
        for (String p = pkg.substring(root.length() + 1); ; p = p.substring(0, p.lastIndexOf('.'))) {
            if (layerOf.containsKey(p)) {
                return new Home(p, layerOf.get(p));
            }
            if (p.indexOf('.') < 0) {
                return Home.UNLISTED;
            }
        }
    }
}
