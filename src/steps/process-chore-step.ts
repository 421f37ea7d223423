import type { Job } from "bullmq";
import type { CatalogReader } from "../catalog-types.js";
import type { ProcessResult, RunJobData } from "../pipeline/job-data.js";
import type { BundleStore } from "../stores/bundle-store.js";
import { annotateSpan, runAttributes } from "../telemetry/annotate-span.js";
import { failingInWords } from "./step-error.js";

export interface ProcessChoreDeps {
  catalog: CatalogReader;
  bundles: BundleStore;
}

/**
 * Step 1 of a chore run: nothing is fetched or bundled here, the index did both when the
 * chore's version was approved. The run goes ahead only with the version it was asked for
 * while that version is still the one the catalog lets run; its bundle is then copied to the
 * run, so the run keeps it whatever the catalog becomes.
 */
export function processChoreStep(deps: ProcessChoreDeps) {
  return failingInWords("reading the chore catalog", async (job: Job<RunJobData>): Promise<ProcessResult> => {
    const { target, runId } = job.data;
    annotateSpan(runAttributes(job.data));
    const name = target.chore!.name;
    const catalog = await deps.catalog.read(target.owner, target.repo);
    const runnable = catalog?.chores.find((entry) => entry.name === name)?.runnable ?? null;
    const asked = target.commit.slice(0, 7);
    if (runnable === null) return refused(`${name} is no longer a chore that may run: version ${asked} is no longer the indexed one; nothing ran`);
    if (runnable.commit !== target.commit || runnable.path !== target.path || runnable.blob !== target.blob) {
      return refused(
        `${name} changed since this run was requested: version ${asked} is no longer the indexed one (now ${runnable.commit.slice(0, 7)}); nothing ran`,
      );
    }
    const bundle = await deps.catalog.bundle(target.owner, target.repo, name, runnable.commit);
    if (bundle === null) return refused(`${name} changed since this run was requested: version ${asked} is no longer the indexed one; nothing ran`);
    await deps.bundles.save(runId, bundle);
    await job.log(`the catalog's version ${asked} of ${name} (${bundle.length} bytes)`);
    return { provenance: runnable.provenance, alreadyHandled: null, description: runnable.description, problem: null };

    async function refused(reason: string): Promise<ProcessResult> {
      await job.log(`refused: ${reason}`);
      return {
        provenance: { pullRequest: runnable?.provenance.pullRequest ?? null, approvedBy: [], refusal: reason },
        alreadyHandled: null,
        description: null,
        problem: { status: "refused", message: reason, detail: null },
      };
    }
  });
}
