import { withRunsApi } from "./with-runs-api.js";

/** `chorebot status <run>`: the run's status as indented JSON; 1, with the answer on one line, when there is none. */
export function statusCommand(run: string): Promise<number> {
  return withRunsApi("status", async (api) => {
    const answer = await api.status(run);
    if (answer.status === 200 && answer.json !== undefined) {
      console.log(JSON.stringify(answer.json, null, 2));
      return 0;
    }
    console.error(answer.line);
    return 1;
  });
}
