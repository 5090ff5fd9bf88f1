package dev.gmpwatch.remediator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateTest {
    @Test
    void rendersLiteralsAndLabels() throws Exception {
        assertEquals("web-s1", Template.parse("web-{{ labels.server }}").render(Map.of("server", "s1")));
        assertEquals("b.1:x_y", Template.parse("{{labels.a}}:{{ labels.b }}").render(Map.of("a", "b.1", "b", "x_y")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s1\nset server b/s state maint", "s1 state", "s1;x", "../s1", "a/b", "http://x", "s1%0a",
        "", "s\u00e9", "x\ty", "{{ labels.other }}"})
    void refusesAnyValueThatIsNotAPlainName(String value) {
        assertThrows(UnsafeLabelException.class, () -> Template.parse("{{ labels.server }}").render(Map.of("server", value)));
    }

    @Test
    void refusesAMissingLabelAndOverlongResults() {
        assertThrows(UnsafeLabelException.class, () -> Template.parse("{{ labels.server }}").render(Map.of()));
        assertThrows(UnsafeLabelException.class, () -> Template.parse("{{ labels.a }}{{ labels.a }}")
                .render(Map.of("a", "x".repeat(100))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{{ .Labels.x }}", "a b", "x/{{ labels.y }}", "{{ labels.x | upper }}", ""})
    void malformedTemplatesAreRejectedAtStartup(String source) {
        assertThrows(IllegalArgumentException.class, () -> Template.parse(source));
    }
}
