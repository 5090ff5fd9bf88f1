package dev.gmpwatch.remediator.action.kubernetes;

import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The namespace, pod and container an alert names, validated before any of them reaches a URL:
 * DNS-1123 names only, and only namespaces the configuration allows.
 */
final class PodNames {
    /** Namespaces, containers, Services: a DNS-1123 label. */
    static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** Pods: a DNS-1123 subdomain. */
    static final Pattern SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private PodNames() {
    }

    static String namespace(Map<String, String> labels, Set<String> allowed) throws UnsafeLabelException {
        String ns = required(labels, "namespace", LABEL, "a DNS-1123 label");
        if (!allowed.contains(ns)) {
            throw new UnsafeLabelException("namespace " + ns + " is not in kubernetes.namespaces");
        }
        return ns;
    }

    static String pod(Map<String, String> labels) throws UnsafeLabelException {
        return required(labels, "pod", SUBDOMAIN, "a DNS-1123 subdomain");
    }

    static String container(Map<String, String> labels) throws UnsafeLabelException {
        return required(labels, "container", LABEL, "a DNS-1123 label");
    }

    private static String required(Map<String, String> labels, String name, Pattern p, String what) throws UnsafeLabelException {
        String v = labels.get(name);
        if (v == null || v.isEmpty()) {
            throw new UnsafeLabelException("label " + name + " is missing (run the exporter with --kubernetes)");
        }
        if (!p.matcher(v).matches()) {
            throw new UnsafeLabelException("label " + name + " must be " + what);
        }
        return v;
    }
}
