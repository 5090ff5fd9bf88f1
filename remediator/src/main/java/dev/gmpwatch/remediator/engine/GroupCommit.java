package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.core.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * Runs requests through one writer thread that handles everything waiting at once, so concurrent
 * webhooks share a transaction instead of queueing for the database one by one.
 */
final class GroupCommit<I, O> {
    private static final int MAX_BATCH = 256;

    private record Item<I, O>(I input, CompletableFuture<O> result) {
    }

    private final LinkedBlockingQueue<Item<I, O>> queue = new LinkedBlockingQueue<>();
    private final Function<List<I>, List<O>> batchWork;

    GroupCommit(Function<List<I>, List<O>> batchWork) {
        this.batchWork = batchWork;
        Thread writer = new Thread(this::loop, "remediator-group-commit");
        writer.setDaemon(true);
        writer.start();
    }

    /** Waits for the batch holding this request to commit; a failed commit fails every request in it. */
    O submit(I input) {
        CompletableFuture<O> f = new CompletableFuture<>();
        queue.add(new Item<>(input, f));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StoreException("store: " + e.getCause(), e.getCause());
        }
    }

    private void loop() {
        List<Item<I, O>> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            try {
                List<O> out = batchWork.apply(batch.stream().map(Item::input).toList());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(out.get(i));
                }
            } catch (RuntimeException e) {
                batch.forEach(item -> item.result().completeExceptionally(e));
            }
            batch.clear();
        }
    }
}
