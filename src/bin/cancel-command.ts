import { CLIENT_SETTINGS, expectArguments, type Command } from "./command.js";
import { withRunsApi } from "./with-runs-api.js";

/** `chorebot cancel <run> [--by <name>]`: the server's answer on one line; 0 once it accepted the request. */
export const cancelCommand: Command = {
  usage: "<run> [--by <name>]",
  summary: "Stop a running run, or keep a waiting one from starting, through the server's /api (the dashboard's login).",
  options: { by: { type: "string" } },
  optionHelp: { "--by <name>": "who cancels it, recorded in the run log" },
  readsDotEnv: true,
  settings: CLIENT_SETTINGS,
  run(positionals, values) {
    const [run] = expectArguments(positionals, 1, "which run? (one run id)");
    return withRunsApi("cancel", async (api) => {
      const answer = await api.cancel(run!, values.by as string | undefined);
      if (answer.status === 202) {
        console.log(answer.line);
        return 0;
      }
      console.error(answer.line);
      return 1;
    });
  },
};
