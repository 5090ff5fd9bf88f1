/**
 * The gmpwatch exporter. Its packages form layers, lowest first. A package uses only the layers
 * below its own; packages on one line are peers and never use each other. {@code LayersTest}
 * reads this list and fails the build on an arrow that runs upward or sideways, or on a cycle.
 * <ol>
 *   <li>{@code code}: what the analysis asks of any instruction set: data references and calls</li>
 *   <li>{@code elf}, {@code x86}, {@code arm64}, {@code pprof}: file, instruction and profile formats, knowing nothing of Go</li>
 *   <li>{@code gobinary}: a Go executable's symbols, pclntab, DWARF and runtime layout</li>
 *   <li>{@code host}: the kernel's view of a process: /proc, cgroups, schedstat, capabilities</li>
 *   <li>{@code bpf}: the libbpf binding</li>
 *   <li>{@code runtime}: the Go runtime's state, read from a live process's memory</li>
 *   <li>{@code stacks}, {@code probe}: goroutine stacks as text and pprof; the per-event uprobes</li>
 *   <li>{@code discovery}: which processes are served, and how each is labelled</li>
 *   <li>{@code kubernetes}, {@code sampling}: namespace, pod and container names from the API server; one
 *       snapshot per scrape of the served processes, with the counters that keep it monotonic</li>
 *   <li>{@code collect}: the collectors, each rendering its declared metric families from the snapshot</li>
 *   <li>{@code web}: the HTTP server: metrics, the API, TLS and basic auth</li>
 *   <li>{@code cli}: the commands, their flags, and the wiring of everything above</li>
 * </ol>
 */
package dev.gmpwatch.exporter;
