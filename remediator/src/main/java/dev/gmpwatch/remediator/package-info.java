/**
 * The gmpwatch remediator. Its packages form layers, lowest first. A package uses only the layers
 * below its own; packages on one line are peers and never use each other; {@code Main}, in this
 * package, wires them. {@code LayersTest} reads this list and fails the build on an arrow that
 * runs upward or sideways, or on a cycle.
 * <ol>
 *   <li>{@code core}: value types every layer shares: targets, operations, outcomes, refusals, audit entries, alerts</li>
 *   <li>{@code config.tree}, {@code policy}: the YAML tree whose errors name their key; label templates that refuse unsafe values</li>
 *   <li>{@code action}: the seam every lever implements: action types, actions, their run context and target state</li>
 *   <li>{@code action.gomaxprocs}, {@code action.haproxy}, {@code action.http}: the levers</li>
 *   <li>{@code action.kubernetes}: the Kubernetes levers (its CPU-limit lever is a GOMAXPROCS actuator)</li>
 *   <li>{@code config}: the configuration file, parsed with every registered action type</li>
 *   <li>{@code store}, {@code webhook}: durable state in SQLite or PostgreSQL; the Alertmanager payload and its authentication</li>
 *   <li>{@code engine}: decisions, the intent executor, rate limits, metrics, and the read model of its state</li>
 *   <li>{@code web}: the HTTP API</li>
 * </ol>
 */
package dev.gmpwatch.remediator;
