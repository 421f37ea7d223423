import { Reporter, withReporter } from "../sdk/reporter.js";
import { captureClient, type Captured } from "./capture-client.js";

/**
 * Runs `work` with a reporter of its own, so that everything it reports (ctx.log and the
 * standalone log(), counter and progress, from either copy of the SDK) lands in `captured`,
 * apart from any other run going on at the same time.
 */
export async function captureReports<T>(work: (reporter: Reporter) => Promise<T>): Promise<{ outcome: T; captured: Captured }> {
  const client = captureClient();
  const reporter = new Reporter(client);
  const outcome = await withReporter(reporter, () => work(reporter));
  await reporter.flush();
  return { outcome, captured: client.captured };
}
