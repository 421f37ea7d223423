import { setTimeout as sleep } from "node:timers/promises";
import type { Claim } from "../runner/claim.js";

/** Thrown when Redis stayed without room for a run's records until this worker's claim on it ran out. */
export class NoRoomToRecord extends Error {
  override readonly name = "NoRoomToRecord";
}

/**
 * Waits until Redis has room to record a run's start and result, before its script starts:
 * a script must not run when its result could not be kept. Polls `room` (which must not
 * write) every `pollMs`, telling `onWait` once. The worker's claim on the job cannot be
 * renewed while Redis refuses writes; once it is about to run out, gives up with
 * NoRoomToRecord: the script never started, and the run is recorded as such when Redis
 * has room again.
 */
export async function waitForRoom(o: { room: () => Promise<boolean>; claim: Claim | undefined; onWait: () => void; pollMs: number }): Promise<void> {
  let waiting = false;
  for (;;) {
    if (await o.room().catch(() => false)) return;
    if (!waiting) o.onWait();
    waiting = true;
    if (o.claim && o.claim.deadline() <= performance.now() + o.pollMs) {
      throw new NoRoomToRecord("Redis had no room to record this run until the worker's claim on it ran out; the script did not start");
    }
    await sleep(o.pollMs);
  }
}
