import { CHORES_PATH, runUrl } from "../chores/chores-paths.js";

/**
 * Where replies link a run and the chores: the chores pages at PUBLIC_URL, when they are served
 * there; else nothing (a reply names the run's id, which `/chorebot status` and the API take).
 */
export function chorePages(publicUrl: string | null): { runPage: (runId: string) => string | null; choresPage: () => string | null } {
  return {
    runPage: (runId) => (publicUrl === null ? null : `${publicUrl}${runUrl(runId)}`),
    choresPage: () => (publicUrl === null ? null : `${publicUrl}${CHORES_PATH}`),
  };
}
