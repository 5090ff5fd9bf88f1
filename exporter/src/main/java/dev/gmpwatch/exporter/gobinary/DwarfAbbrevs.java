package dev.gmpwatch.exporter.gobinary;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One .debug_abbrev table: abbreviation code -> tag, children flag and attribute forms. */
final class DwarfAbbrevs {
    record Abbrev(int tag, boolean hasChildren, int[] attrs, int[] forms, long[] implicitConsts) {
    }

    static final int MAX_ATTRIBUTES = 256;

    private DwarfAbbrevs() {
    }

    static Map<Long, Abbrev> parse(ByteBuffer section, int offset) {
        Map<Long, Abbrev> out = new HashMap<>();
        Cursor c = new Cursor(section, offset);
        while (c.pos < section.limit()) {
            long code = c.uleb();
            if (code == 0) {
                break;
            }
            int tag = (int) c.uleb();
            boolean children = c.u8() != 0;
            List<long[]> specs = new ArrayList<>();
            while (true) {
                long attr = c.uleb();
                long form = c.uleb();
                if (attr == 0 && form == 0) {
                    break;
                }
                if (specs.size() >= MAX_ATTRIBUTES) {
                    // Real abbreviations have a few dozen; thousands of zero-size forms would make
                    // every DIE that uses one cost thousands of steps.
                    throw new IllegalArgumentException("abbreviation " + code + " has over " + MAX_ATTRIBUTES + " attributes");
                }
                long implicit = form == DwarfForms.IMPLICIT_CONST ? c.sleb() : 0;
                specs.add(new long[] {attr, form, implicit});
            }
            int n = specs.size();
            int[] attrs = new int[n];
            int[] forms = new int[n];
            long[] consts = new long[n];
            for (int i = 0; i < n; i++) {
                attrs[i] = (int) specs.get(i)[0];
                forms[i] = (int) specs.get(i)[1];
                consts[i] = specs.get(i)[2];
            }
            out.put(code, new Abbrev(tag, children, attrs, forms, consts));
        }
        return out;
    }
}
