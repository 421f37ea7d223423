import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

const env = buildScriptEnv(process.env, []);
const run = (code: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) => runScript({ code, cwd: tmpdir(), env, timeoutMs: 10_000, ...extra });

describe("a script's own error in its run's message", () => {
  test("a thrown error: its name and message, then how the script ended; node still prints it to stderr", async () => {
    const result = await run('throw new Error("connection refused: db-replica-3:5432");');
    expect(result).toMatchObject({ status: "failed", exitCode: 1, message: "Error: connection refused: db-replica-3:5432 (exited with code 1)" });
    expect(result.output.lines.some((line) => line.stream === "stderr" && line.text.includes("connection refused"))).toBe(true);
  });

  test("an unhandled rejection, a custom error class and a thrown non-error", async () => {
    expect((await run('await Promise.reject(new TypeError("bad plan"));')).message).toBe("TypeError: bad plan (exited with code 1)");
    expect((await run('class DbError extends Error { name = "DbError"; }\nsetTimeout(() => { throw new DbError("replica gone"); }, 1);')).message).toBe(
      "DbError: replica gone (exited with code 1)",
    );
    expect((await run("throw 42;")).message).toBe("uncaught 42 (exited with code 1)");
  });

  test("the last uncaught error, when a handler let the script go on", async () => {
    const result = await run(
      [
        "let seen = 0;",
        'process.on("uncaughtException", () => { if (++seen === 2) process.exit(4); });',
        'setTimeout(() => { throw new Error("first"); }, 1);',
        'setTimeout(() => { throw new Error("second"); }, 20);',
      ].join("\n"),
    );
    expect(result.message).toBe("Error: second (exited with code 4)");
  });

  test("an error whose fields throw leaves the plain ending", async () => {
    const result = await run('const e = new Error("x"); Object.defineProperty(e, "message", { get() { throw new Error("no"); } }); throw e;');
    expect(result).toMatchObject({ status: "failed", message: "exited with code 1" });
  });

  test("a caught error, a clean exit and a plain exit code say nothing more", async () => {
    expect((await run('try { throw new Error("handled"); } catch {}')).message).toBeNull();
    expect((await run('try { throw new Error("handled"); } catch {}\nprocess.exitCode = 3;')).message).toBe("exited with code 3");
  });

  test("a secret in the error is redacted, and a huge message is cut to one line that keeps the ending", async () => {
    const secret = "s3cr3t-db-password-value";
    const redacted = await run(`throw new Error("auth failed for postgres://ops:${secret}@db-replica-3:5432");`, { redact: createRedactor([secret]) });
    expect(redacted.message).not.toContain(secret);
    expect(redacted.message).toMatch(/^Error: auth failed for postgres:\/\/ops:.*REDACTED.*@db-replica-3:5432 \(exited with code 1\)$/);

    const huge = await run('throw new Error("line one\\nline two " + "x".repeat(1_000_000));');
    expect(huge.message).toMatch(/^Error: line one line two x+… \(exited with code 1\)$/);
    expect(huge.message!.length).toBeLessThanOrEqual(300);
  });

  test("a script killed by a signal after an uncaught error names both", async () => {
    const result = await run('process.on("uncaughtException", () => process.kill(process.pid, "SIGKILL"));\nthrow new Error("gave up");');
    expect(result).toMatchObject({ status: "failed", signal: "SIGKILL", message: "Error: gave up (killed by SIGKILL)" });
  });
});
