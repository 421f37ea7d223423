import { loadServerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startApp } from "../start-app.js";

/** `chorebot start` and `chorebot worker`: runs the parts asked for until SIGTERM or SIGINT. */
export async function serveCommand(parts: { web: boolean; workers: boolean }): Promise<number> {
  const config = loadServerConfig();
  const log = createLogger(config.logLevel);
  const app = await startApp(config, parts, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`${signal} received, stopping`);
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await app.stop();
  // Any client BullMQ or Probot still holds must not keep a stopped server alive.
  process.exit(0);
}
