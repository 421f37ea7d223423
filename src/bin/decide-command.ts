import { APPROVAL_SIGNAL, SIGNAL_NAME } from "../sdk/protocol.js";
import { expectArguments, UsageError, type Command } from "./command.js";
import type { RunDecisionPath, RunsApiAnswer } from "./runs-api-client.js";
import { withRunsApi, type CredentialKind } from "./with-runs-api.js";

const URL_SETTING: Command["settings"][number] = ["CHOREBOT_URL", "the server (default http://127.0.0.1:3000)"];
const TOKEN_SETTING: Command["settings"][number] = [
  "GH_TOKEN, GITHUB_TOKEN",
  "your GitHub user token (GH_TOKEN first, as the gh CLI): you need the chore's permission on the run's repository (write for a merged script's run)",
];
const LOGIN_SETTING: Command["settings"][number] = [
  "DASHBOARD_USER, DASHBOARD_PASSWORD",
  "the dashboard's login, taken when no token is set (recorded as dashboard)",
];

/** One decision command: `chorebot <name> <run>`, the server's message on one line, 0 once the decision was taken. */
function decisionCommand(name: string, path: RunDecisionPath, summary: string, credentials: CredentialKind): Command {
  return {
    usage: "<run>",
    summary,
    options: {},
    // The dashboard's login may come from the server's .env; a token is the user's own, from their environment.
    readsDotEnv: credentials === "person",
    settings: credentials === "person" ? [URL_SETTING, TOKEN_SETTING, LOGIN_SETTING] : [URL_SETTING, TOKEN_SETTING],
    run(positionals) {
      const [run] = expectArguments(positionals, 1, "which run? (one run id)");
      return withRunsApi(name, async (api) => said(name, await api.decide(run!, path)), credentials);
    },
  };
}

export const approveCommand = decisionCommand(
  "approve",
  "approve",
  "Approve a run that waits for approvals, as the user of your GitHub token (not the person who asked for it); it starts once it has the approvals it needs.",
  "token",
);

export const rejectCommand = decisionCommand(
  "reject",
  "reject",
  "Reject a run that waits for approvals, as the user of your GitHub token: it is cancelled, nothing of it ran.",
  "token",
);

export const resumeCommand = decisionCommand(
  "resume",
  "resume",
  "Resume an interrupted run (its worker was lost during a step, or an iteration's attempt was lost or failed) or a paused iteration: a workflow's lost step runs again, then it goes on; an iteration goes on from its last checkpoint.",
  "person",
);

export const pauseCommand = decisionCommand(
  "pause",
  "pause",
  "Pause a running iteration: it stops after its current batch, keeping its checkpoint; chorebot resume <run> goes on from there.",
  "person",
);

export const rollbackCommand = decisionCommand(
  "rollback",
  "rollback",
  "Roll back an interrupted run: the lost step's rollback (if it has one), then the completed steps' in reverse.",
  "person",
);

/** `chorebot signal <run> <name> [--payload <json>]`: what the run's waiting step's waitFor(name) returns. */
export const signalCommand: Command = {
  usage: "<run> <name> [--payload <json>]",
  summary:
    "Deliver the signal a waiting workflow step waits for (ctx.waitFor(name)), with a JSON payload that waitFor returns, as the user of your GitHub token.",
  options: { payload: { type: "string" } },
  optionHelp: { "--payload <json>": 'the payload as JSON, e.g. \'{"ticket": "OPS-1"}\' (default null)' },
  settings: [URL_SETTING, TOKEN_SETTING],
  run(positionals, values) {
    const [run, name] = expectArguments(positionals, 2, "which run and signal? (<run> <name>)");
    if (!SIGNAL_NAME.test(name!)) throw new UsageError(`"${name}" is not a signal name: a letter, then letters, digits, _ or - (64 at most)`);
    if (name === APPROVAL_SIGNAL) throw new UsageError(`to approve a run, use chorebot approve ${run}`);
    const payload = parsePayload(values.payload as string | undefined);
    return withRunsApi("signal", async (api) => said("signal", await api.decide(run!, `signals/${name!}`, payload)), "token");
  },
};

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--payload is not JSON (${(error as Error).message}); quote it for your shell, e.g. --payload '{"ok": true}'`);
  }
}

/** The server's sentence: on stdout when the decision was taken, else on stderr after the command's name. */
function said(name: string, answer: RunsApiAnswer): number {
  const { message } = (answer.json ?? {}) as { message?: unknown };
  if (answer.status === 202) {
    console.log(typeof message === "string" ? message : answer.line);
    return 0;
  }
  console.error(`chorebot ${name}: ${answer.line}`);
  return 1;
}
