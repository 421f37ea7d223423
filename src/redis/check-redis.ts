import type { Logger } from "pino";
import { ConfigError } from "../config.js";
import type { RedisClient } from "./redis-client.js";
import { mastersOf, nodeName, waitUntilReady, withTimeout } from "./monitor-client.js";
import { decideStartup, judgeSettings, shortError, type StartupDecision } from "./redis-info.js";

/**
 * Reads every master's eviction policy and persistence (`INFO memory`, `INFO persistence`,
 * `CONFIG GET save` when allowed) and judges them (decideStartup). Redis not answering
 * within `timeoutMs` is a warning naming `where` it was asked (redisWhere): the monitor checks
 * the policy once it answers.
 */
export async function readStartupDecision(client: RedisClient, timeoutMs = 5_000, where?: string): Promise<StartupDecision> {
  try {
    await waitUntilReady(client, timeoutMs);
  } catch (error) {
    return {
      refusal: null,
      warnings: [
        `could not check Redis' settings at startup: Redis${where ? ` at ${where}` : ""} does not answer (${shortError(error)}); its eviction policy is checked once it does`,
      ],
    };
  }
  const judged = await Promise.all(
    mastersOf(client).map(async (node) => {
      const name = nodeName(node);
      const [memory, persistence, save] = await Promise.all([
        withTimeout(node.info("memory"), timeoutMs).catch(() => ""),
        withTimeout(node.info("persistence"), timeoutMs).catch(() => ""),
        withTimeout(node.config("GET", "save"), timeoutMs).then(
          (reply) => (Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : null),
          () => null,
        ),
      ]);
      return { node: name, judgement: judgeSettings(`${memory}\n${persistence}`, save, name) };
    }),
  );
  return decideStartup(judged);
}

/**
 * The startup check of `chorebot start` and `chorebot worker`: throws a ConfigError (one
 * line, exit 1) on an evicting policy, logs each warning once.
 */
export async function checkRedisAtStartup(client: RedisClient, log: Logger, where?: string, timeoutMs?: number): Promise<void> {
  const decision = await readStartupDecision(client, timeoutMs, where);
  if (decision.refusal) throw new ConfigError(decision.refusal);
  for (const warning of decision.warnings) log.warn(warning);
}
