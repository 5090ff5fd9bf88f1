package dev.gmpwatch.exporter.sampling;

/**
 * What the run-queue sampler saw of one process since it started watching it.
 *
 * @param samples          samples taken
 * @param failures         samples that could not be read (the process remapped or tore every try)
 * @param global           the global run queue's depth
 * @param deepestLocal     the deepest local run queue of each sample, runnext included
 * @param idleProcs        idle Ps
 * @param spinning         spinning Ms
 * @param fullLocalSamples samples in which some P's local queue was full (256)
 * @param globalPeak       the deepest global queue sampled in the last minute
 * @param localPeak        the deepest local queue sampled in the last minute
 */
public record RunQueueDepths(long samples, long failures, DepthHistogram global, DepthHistogram deepestLocal,
                             DepthHistogram idleProcs, DepthHistogram spinning, long fullLocalSamples, long globalPeak,
                             long localPeak) {
    public static final int PEAK_WINDOW_SECONDS = RecentPeak.WINDOW_SECONDS;
}
