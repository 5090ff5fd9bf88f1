package dev.gmpwatch.remediator.testing;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A throwaway lever that exists only in the tests: {@code type: counting} with a templated
 * {@code name}, a step (never restored) that records each run. Registered with
 * {@code ActionTypes.standard().with(new CountingAction())}, it proves that a new action type
 * needs no change to the engine, the store, the configuration loader or the metrics.
 */
public final class CountingAction implements ActionType, Action {
    private final List<String> runs;
    private final Template name;

    public CountingAction() {
        this(new CopyOnWriteArrayList<>(), null);
    }

    private CountingAction(List<String> runs, Template name) {
        this.runs = runs;
        this.name = name;
    }

    /** "NAME#INTENT" for every run, from every policy and replica that uses this registration. */
    public List<String> runs() {
        return List.copyOf(runs);
    }

    public long runsOf(String target) {
        return runs.stream().filter(r -> r.startsWith(target + "#")).count();
    }

    @Override
    public String name() {
        return "counting";
    }

    @Override
    public Factory load(ConfigNode section) {
        return (action, caps) -> {
            action.onlyKeys(Set.of("type", "name"));
            caps.onlyKeys(Set.of());
            try {
                return new CountingAction(runs, Template.parse(action.required("name")));
            } catch (IllegalArgumentException e) {
                throw action.error("name", e.getMessage());
            }
        };
    }

    @Override
    public String type() {
        return "counting";
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String n = name.render(labels);
        return new Target("counting:" + n, null, n);
    }

    @Override
    public boolean restores() {
        return false;
    }

    @Override
    public Optional<Refusal> admit(TargetState state, Target target, Alert alert) {
        return Optional.empty();
    }

    @Override
    public Outcome run(RunContext context, Target target, Operation operation) {
        runs.add(target.data() + "#" + context.intentId());
        return Outcome.done("counted " + target.data());
    }
}
