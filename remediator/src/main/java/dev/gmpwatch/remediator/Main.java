package dev.gmpwatch.remediator;

import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.config.ConfigLoader;
import dev.gmpwatch.remediator.config.RemediatorConfig;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.core.StoreException;
import dev.gmpwatch.remediator.engine.Executor;
import dev.gmpwatch.remediator.engine.Policies;
import dev.gmpwatch.remediator.engine.Remediator;
import dev.gmpwatch.remediator.engine.RemediatorMetrics;
import dev.gmpwatch.remediator.engine.StateView;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.web.App;
import dev.gmpwatch.remediator.webhook.Authenticator;
import io.javalin.Javalin;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar gmpwatch-remediator.jar --config FILE.yml [--dry-run] [--insecure-no-auth]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            System.out.print(RemediatorFlags.help());
            return;
        }
        Map<RemediatorFlags, String> flags;
        try {
            flags = RemediatorFlags.parse(args);
        } catch (IllegalArgumentException e) {
            fail(2, e.getMessage() + "\n" + RemediatorFlags.usage());
            return;
        }
        if (!flags.containsKey(RemediatorFlags.CONFIG)) {
            fail(2, "--config is required\n" + RemediatorFlags.usage());
        }
        Path config = Path.of(flags.get(RemediatorFlags.CONFIG));
        boolean dryRun = flags.containsKey(RemediatorFlags.DRY_RUN);
        boolean insecure = flags.containsKey(RemediatorFlags.INSECURE_NO_AUTH);
        RemediatorConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            fail(2, "invalid config: " + e.getMessage());
            return;
        }
        if (cfg.auth().none() && !insecure) {
            fail(2, "invalid config: auth: required (bearerTokenFile or basicAuth); --insecure-no-auth turns it off");
        }
        start(cfg, dryRun || cfg.dryRun());
    }

    private static void start(RemediatorConfig cfg, boolean dryRun) {
        ActionTypes types = ActionTypes.standard();
        Database db;
        try {
            db = new Database(cfg.storeUrl(), types);
        } catch (StoreException e) {
            fail(1, e.getMessage());
            return;
        }
        Clock clock = Clock.systemUTC();
        RemediatorMetrics metrics = new RemediatorMetrics(types);
        Policies policies = new Policies(cfg.policies());
        Executor executor = new Executor(db, policies, clock, metrics, dryRun);
        Remediator remediator = new Remediator(db, policies, clock, metrics);
        Javalin app = App.create(remediator, executor, new StateView(db), new Authenticator(cfg.auth()), metrics, cfg.maxBodyBytes());
        try {
            app.start(cfg.listenHost(), cfg.listenPort());
        } catch (RuntimeException e) {
            fail(1, "cannot listen on " + cfg.listenHost() + ":" + cfg.listenPort() + ": " + e.getMessage());
        }
        System.out.println("gmpwatch-remediator: listening on http://" + cfg.listenHost() + ":" + app.port()
                + (dryRun ? " (dry run: nothing is changed)" : ""));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            executor.close();
            db.close();
            stopped.countDown();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void fail(int code, String message) {
        System.err.println("gmpwatch-remediator: " + message);
        System.exit(code);
    }
}
