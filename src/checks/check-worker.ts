import { parentPort } from "node:worker_threads";
import type { RepoEntry } from "../github/read-file-at-commit.js";
import type { CheckTask, FromCheckThread, ToCheckThread } from "./check-tasks.js";
import { gatherTypeCheckFiles } from "./gather-type-check-files.js";
import { inspectBundledScript } from "./inspect-bundled-script.js";
import { loadTypeScript } from "./load-typescript.js";
import { typeCheckScripts } from "./type-check-scripts.js";

// The check thread (see check-thread.ts): runs one task at a time; files are asked of the
// main thread, which alone speaks to GitHub.

const port = parentPort!;
const send = (message: FromCheckThread) => port.postMessage(message);
const answers = new Map<number, (entry: RepoEntry | null) => void>();
let reads = 0;

function read(path: string): Promise<RepoEntry> {
  return new Promise((resolve, reject) => {
    const id = reads++;
    answers.set(id, (entry) => (entry === null ? reject(new Error(`reading ${path} failed`)) : resolve(entry)));
    send({ type: "read", id, path });
  });
}

async function run(task: CheckTask): Promise<unknown> {
  switch (task.kind) {
    case "inspect":
      return inspectBundledScript(task.input);
    case "gather":
      return gatherTypeCheckFiles(task.input, read);
    case "typeCheck": {
      const ts = await loadTypeScript();
      if (ts === null) throw new Error("TypeScript is not installed");
      typeCheckScripts(ts, task.input, (batch) => send({ type: "progress", progress: batch }));
      return null;
    }
  }
}

port.on("message", (message: ToCheckThread) => {
  if (message.type === "entry") {
    answers.get(message.id)?.(message.entry);
    answers.delete(message.id);
    return;
  }
  run(message.task).then(
    (result) => send({ type: "done", result }),
    (error: unknown) => send({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
  );
});
send({ type: "ready" });
