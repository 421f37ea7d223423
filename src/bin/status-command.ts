import { CLIENT_SETTINGS, expectArguments, type Command } from "./command.js";
import { withRunsApi } from "./with-runs-api.js";

/** `chorebot status <run>`: the run's status as indented JSON; 1, with the answer on one line, when there is none. */
export const statusCommand: Command = {
  usage: "<run>",
  summary: "Print a run's status as JSON (final, or queued, waiting, running, recording) through the server's /api; exit 1 when there is no such run.",
  options: {},
  readsDotEnv: true,
  settings: CLIENT_SETTINGS,
  run(positionals) {
    const [run] = expectArguments(positionals, 1, "which run? (one run id)");
    return withRunsApi("status", async (api) => {
      const answer = await api.status(run!);
      if (answer.status === 200 && answer.json !== undefined) {
        console.log(JSON.stringify(answer.json, null, 2));
        return 0;
      }
      console.error(answer.line);
      return 1;
    });
  },
};
