import { spawnChorebot, type ChorebotProcess } from "../e2e/chorebot-process.js";
import type { Harness } from "../e2e/harness.js";

export type ReleaseProcess = ChorebotProcess;

/**
 * Runs another release's `node <cli> start` with the harness's environment, so it serves
 * the harness's port and shares its Redis and GitHub stand-in; resolves once it listens.
 */
export async function startRelease(cli: string, h: Harness): Promise<ReleaseProcess> {
  const release = spawnChorebot(["start"], h.env, cli);
  await release.waitForLine((line) => typeof line.msg === "string" && line.msg.startsWith("Listening on"));
  return release;
}
