package dev.aichatroom;

import dev.aichatroom.config.AppConfig;
import dev.aichatroom.config.ConfigException;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the product from environment variables and an optional {@code .env} file. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        Logger log = LoggerFactory.getLogger(Main.class);
        AppConfig config;
        try {
            config = ConfigLoader.load(Env.load(Path.of(".env"), System.getenv()));
        } catch (ConfigException e) {
            log.error("Configuration error: {}", e.getMessage());
            System.exit(2);
            return;
        }
        // LogSetup reads LOG_LEVEL from the environment; this also honours a .env file
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.toLevel(config.logLevel()));
        Application app = new Application(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Stopping");
                            app.close();
                            stopped.countDown();
                        },
                        "shutdown"));
        try {
            app.start();
        } catch (RuntimeException e) {
            log.error("Cannot start: {}", e.getMessage());
            System.exit(1);
        }
        stopped.await();
    }
}
