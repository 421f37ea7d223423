import type { Logger } from "pino";
import type { DigestRecorder } from "./schedule-types.js";

/** A DigestRecorder that only logs each row: where the daily digest store is not wired (yet). */
export function loggedDigest(log: Logger): DigestRecorder {
  return {
    async add(ref, row) {
      log.info({ ...ref, ...row }, "schedule digest row");
    },
  };
}
