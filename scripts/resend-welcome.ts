// An SDK script: typed inputs with defaults, progress, counters, a log line and a result.
// Try it: npx chorebot run scripts/resend-welcome.ts --input since=2026-11-01 --input limit=3
import { bool, defineScript, int, string } from "chorebot";

export default defineScript({
  description: "Re-send welcome emails to users created since a date",
  inputs: {
    since: string({ default: "2026-11-01", pattern: /^\d{4}-\d{2}-\d{2}$/, description: "ISO date" }),
    limit: int({ default: 5, min: 1, max: 1000, description: "at most this many users" }),
    dryRun: bool({ default: true, description: "only report what would be sent" }),
  },
  concurrency: "self", // one run of this script at a time, across all workers
  timeout: "5m",
  async run({ inputs, log, counter, progress, signal }) {
    const users = Array.from({ length: inputs.limit }, (_, i) => `user${i + 1}@example.com`);
    for (const [i, user] of users.entries()) {
      if (signal.aborted) break;
      if (!inputs.dryRun) console.log(`sending to ${user}`);
      counter.inc(inputs.dryRun ? "would_send" : "sent");
      progress({ done: i + 1, total: users.length });
    }
    log(`${users.length} users created since ${inputs.since}`);
    return { users: users.length, dryRun: inputs.dryRun };
  },
});
