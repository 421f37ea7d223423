import { withRunsApi } from "./with-runs-api.js";

/** `chorebot cancel <run> [--by <name>]`: the server's answer on one line; 0 once it accepted the request. */
export function cancelCommand(run: string, by: string | undefined): Promise<number> {
  return withRunsApi("cancel", async (api) => {
    const answer = await api.cancel(run, by);
    if (answer.status === 202) {
      console.log(answer.line);
      return 0;
    }
    console.error(answer.line);
    return 1;
  });
}
