import { describe, expect, it } from "vitest";
import { renderReply, REPLY_OUTPUT_LINES, type RunReply } from "../../../src/chatops/render-reply.js";
import { description } from "../chores/chores-fixtures.js";

const run = (over: Partial<RunReply> = {}): RunReply => ({
  runId: "widgets-chore-unlock-0123456789ab",
  chore: "unlock-account",
  requestedBy: "alice",
  runPage: null,
  status: "queued",
  ...over,
});

describe("renderReply", () => {
  it("a queued run: its chore, status, who asked and its id (linked to its page when there is one)", () => {
    expect(renderReply({ kind: "run", run: run({ name: "nightly-1" }) })).toBe(
      "🕒 **unlock-account** · `queued` · run `widgets-chore-unlock-0123456789ab`\n\nAsked for by @alice, named `nightly-1`.\n",
    );
    expect(renderReply({ kind: "run", run: run({ runPage: "https://bot.example/chores/runs/x(1)" }) })).toContain(
      "run [`widgets-chore-unlock-0123456789ab`](https://bot.example/chores/runs/x%281%29)",
    );
  });

  it("a run nobody asked for here mentions no one: a schedule's, a merge's", () => {
    const scheduled = renderReply({ kind: "run", run: run({ requestedBy: null, startedBy: "its schedule" }) });
    expect(scheduled).toContain("Started by its schedule.");
    expect(scheduled).not.toContain("@");
    expect(renderReply({ kind: "run", run: run({ requestedBy: null, startedBy: "a merge" }) })).toContain("Started by a merge.");
  });

  it("a running run with its progress", () => {
    const body = renderReply({ kind: "run", run: run({ status: "running", progress: { done: 3, total: 10 } }) });
    expect(body).toContain("🏃 **unlock-account** · `running`");
    expect(body).toContain("Progress: 3 of 10.");
  });

  it("a finished run: duration, message, the last output lines (clipped, escapes stripped), the result and the log link", () => {
    const output = Array.from({ length: 30 }, (_, i) => ({ t: i, stream: "stdout" as const, text: `line ${i}` }));
    output.push({ t: 31, stream: "stdout", text: `\u001b[31mred\u001b[0m ${"x".repeat(1000)}` });
    const body = renderReply({
      kind: "run",
      run: run({
        status: "failed",
        durationMs: 2300,
        message: "exit code 1",
        output,
        result: { big: "y".repeat(5000) },
        log: { path: "logs/chores/unlock-account/2026/12/06-x.md", url: "https://github.com/acme/widgets/blob/abc/logs/x.md" },
      }),
    });
    expect(body).toContain("❌ **unlock-account** · `failed`");
    expect(body).toContain("took 2.3 s");
    expect(body).toContain("exit code 1");
    expect(body).toContain(`Last ${REPLY_OUTPUT_LINES} lines of output:`);
    expect(body).not.toContain("line 20\n");
    expect(body).toContain("line 21\n");
    expect(body).toContain("red xxx");
    expect(body).not.toContain("\u001b");
    expect(body).not.toContain("x".repeat(400));
    expect(body.length).toBeLessThan(6000);
    expect(body).toContain("Run log: [logs/chores/unlock-account/2026/12/06-x.md](https://github.com/acme/widgets/blob/abc/logs/x.md).");
  });

  it("makes what people wrote inert: no Markdown, no mentions, no fence escape", () => {
    const body = renderReply({
      kind: "run",
      run: run({
        chore: "a*b*",

        name: "n`x",
        message: "see @acme/security [click](https://evil)",
        output: [{ t: 0, stream: "stdout", text: "```\n@here" }],
      }),
    });
    // The one who asked is mentioned; anything else would be someone's text mentioning people (code blocks mention no one).
    expect(body.replace(/````text[^]*````/, "").match(/@(?!\u200d)\S+/g)).toEqual(["@alice,"]);
    expect(body).toContain("a\\*b\\*");
    expect(body).toContain("\\[click\\]");
    expect(body).toContain("````text\n");
    const refusal = renderReply({ kind: "refused", message: "bad @org/team", errors: { "x`y": 'must match, got "@bob"' }, nothingRan: true });
    expect(refusal).not.toMatch(/@(?!\u200d)/);
    expect(refusal).toContain("Nothing was run.");
  });

  it("a refusal with each field's message, and the usage", () => {
    expect(renderReply({ kind: "refused", message: "The inputs of unlock are not valid.", errors: { account: "is required" }, usage: true })).toBe(
      "🚫 The inputs of unlock are not valid.\n\n- `account` is required\n\nUsage:\n\n```text\n/chorebot run <chore> [name=value …] [--name <run-name>]\n/chorebot status <run-id | run-name>\n/chorebot cancel <run-id | run-name>\n/chorebot continue <run-id | run-name> [name=value …]\n/chorebot approve <run-id | run-name>\n/chorebot reject <run-id | run-name>\n/chorebot pause <run-id | run-name>\n/chorebot resume <run-id | run-name>\n/chorebot rollback <run-id | run-name>\n/chorebot help\n```\n",
    );
  });

  it("a parked run's status names the commands that decide it", () => {
    const run = { runId: "r-1", chore: "deploy", requestedBy: "alice", runPage: null, status: "waiting" as const };
    expect(renderReply({ kind: "run", run: { ...run, parked: "approval" } })).toContain(
      "approves it with `/chorebot approve r-1`, or rejects it with `/chorebot reject r-1`.",
    );
    expect(renderReply({ kind: "run", run: { ...run, parked: "signal" } })).toContain(
      "`/chorebot continue r-1` (with any name=value after it) delivers the signal",
    );
    const interrupted = renderReply({ kind: "run", run: { ...run, status: "interrupted", parked: "interrupted" } });
    expect(interrupted).toContain("`/chorebot resume r-1` runs the lost step again, `/chorebot rollback r-1` rolls back.");
    expect(renderReply({ kind: "run", run })).not.toContain("/chorebot");
  });

  it("a decision, taken or refused, in decideRun's words made inert; only the one who decided is mentioned", () => {
    const taken = renderReply({ kind: "decided", runId: "r-1", ok: true, by: "bob", message: "approved (1 of 1): the run starts" });
    expect(taken).toBe("✅ Run `r-1`, as @bob decided: approved (1 of 1): the run starts.\n");
    const refused = renderReply({ kind: "decided", runId: "r`1", ok: false, by: "bob", message: "already decided: approve by @acme/ops at #12." });
    expect(refused).toMatch(/^🚫 Run `r 1`: already decided: approve by @\u200dacme\/ops at #\u200d12\.\n$/);
  });

  it("a cancel, as far as it went", () => {
    expect(renderReply({ kind: "cancel", runId: "r", target: "running", by: "alice" })).toContain("is being stopped");
    expect(renderReply({ kind: "cancel", runId: "r", target: "queued", by: "alice" })).toContain("will not start");
    // Parked (paused, interrupted, waiting for a signal): it may have run before, so it is not said never to start.
    const parked = renderReply({ kind: "cancel", runId: "r", target: "waiting", by: "alice" });
    expect(parked).toContain("is waiting, not running: it ends without going on");
    expect(parked).not.toContain("will not start");
    expect(renderReply({ kind: "cancel", runId: "r", target: "finished", by: "alice" })).toContain("already finished");
    expect(renderReply({ kind: "cancel", runId: "r", target: "unknown", by: "alice" })).toContain("There is no run `r` here");
  });

  it("help: each chore with its inputs' type, required or default, choices, description; secrets and files pointed elsewhere", () => {
    const body = renderReply({
      kind: "help",
      repository: "acme/widgets",
      choresPage: "https://bot.example/chores",
      chores: [
        {
          name: "unlock-account",
          problem: null,
          description: description(
            {
              account: { type: "string", required: true, description: "the account id" },
              reason: { type: "string", required: false, default: "support", choices: ["support", "fraud"] },
              token: { type: "string", required: false, secret: true },
              list: { type: "file", required: false },
            },
            { description: "Unlocks an account" },
          ),
        },
        { name: "broken", problem: "its pull request had no approval", description: null },
      ],
    });
    expect(body).toContain("- **unlock-account** — Unlocks an account");
    expect(body).toContain("  - `account` (string, required): the account id");
    expect(body).toContain("  - `reason` (string, default `support`, one of `support`, `fraud`)");
    expect(body).toContain("  - `token` (string, optional, secret: give it on the chores page or through the API, never in a comment)");
    expect(body).toContain("  - `list` (file, optional, a file: upload it on the chores page or send it through the API)");
    expect(body).toContain("- **broken** (cannot run now: its pull request had no approval)");
    expect(body).toContain("https://bot.example/chores");
    expect(renderReply({ kind: "help", repository: "acme/widgets", chores: [], choresPage: null })).toContain("_None: this repository has no chores yet._");
  });
});
