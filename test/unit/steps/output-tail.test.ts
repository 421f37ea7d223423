import { describe, expect, it } from "vitest";
import type { CapturedOutput } from "../../../src/run-types.js";
import { OutputTail } from "../../../src/steps/output-tail.js";

const INTERVAL_MS = 50;

function saving(fail = 0) {
  const saves: { at: number; output: CapturedOutput }[] = [];
  let failures = fail;
  let wake: (() => void) | null = null;
  const save = async (output: CapturedOutput) => {
    if (failures-- > 0) throw new Error("Redis refused");
    saves.push({ at: performance.now(), output });
    wake?.();
  };
  /** Resolves at the next save (or at once if there are already `count`). */
  const saved = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (saves.length >= count ? resolve() : (wake = check));
      check();
    });
  return { saves, save, saved };
}

describe("OutputTail", () => {
  it("saves the lines printed so far once per interval, not once per line, however much the script prints", async () => {
    const { saves, save, saved } = saving();
    const tail = new OutputTail(save, INTERVAL_MS);
    const startedAt = performance.now();
    // A flood: 20 000 lines in bursts over about four intervals.
    for (let burst = 0; burst < 4; burst++) {
      for (let i = 0; i < 5000; i++) tail.add({ t: i, stream: "stdout", text: `line ${burst}-${i} ${"x".repeat(2000)}` });
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
    await saved(1);
    tail.stop();
    const elapsed = performance.now() - startedAt;
    expect(saves.length).toBeGreaterThanOrEqual(1);
    expect(saves.length).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 1);
    for (let i = 1; i < saves.length; i++) expect(saves[i]!.at - saves[i - 1]!.at).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
    // Bounded: the last lines only, each clipped.
    const last = saves.at(-1)!.output;
    expect(last.lines.length).toBeLessThanOrEqual(40);
    expect(JSON.stringify(last).length).toBeLessThan(40 * 600);
    expect(last.lines.at(-1)!.text).toMatch(/^line \d-\d+ x+…$/);
    expect(last.omittedBytes).toBeGreaterThan(0);
    expect(last.omittedAt).toBe(0);
  });

  it("never lets a line go back in time: printed and log() lines come timed by different clocks", async () => {
    const { saves, save, saved } = saving();
    const tail = new OutputTail(save, INTERVAL_MS);
    tail.add({ t: 120, stream: "stdout", text: "printed" });
    tail.add({ t: 95, stream: "log", text: "logged just before, reported just after" });
    tail.add({ t: 130, stream: "stderr", text: "later" });
    await saved(1);
    tail.stop();
    expect(saves[0]!.output.lines.map((line) => [line.t, line.stream])).toEqual([
      [120, "stdout"],
      [120, "log"],
      [130, "stderr"],
    ]);
  });

  it("saves nothing while the script prints nothing, and nothing after stop", async () => {
    const { saves, save } = saving();
    const tail = new OutputTail(save, INTERVAL_MS);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3));
    expect(saves).toEqual([]);
    tail.add({ t: 1, stream: "stderr", text: "one" });
    tail.stop();
    tail.add({ t: 2, stream: "stderr", text: "two" });
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3));
    expect(saves).toEqual([]);
  });

  it("tries again after a refused save, with the newer tail", async () => {
    const { saves, save, saved } = saving(1);
    const tail = new OutputTail(save, INTERVAL_MS);
    tail.add({ t: 1, stream: "stdout", text: "first" });
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 1.5));
    tail.add({ t: 2, stream: "stdout", text: "second" });
    await saved(1);
    tail.stop();
    expect(saves[0]!.output.lines.map((line) => line.text)).toEqual(["first", "second"]);
  });
});
