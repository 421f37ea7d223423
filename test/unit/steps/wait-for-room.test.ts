import { describe, expect, it } from "vitest";
import { NoRoomToRecord, waitForRoom } from "../../../src/steps/wait-for-room.js";
import { memoryFromInfo } from "../../../src/redis/redis-room.js";

const claim = (deadline: () => number) => ({ deadline, onChange: () => () => undefined });

describe("waitForRoom", () => {
  it("resolves once Redis has room, telling once that the script waits", async () => {
    const answers = [false, false, true];
    let waits = 0;
    await waitForRoom({ room: async () => answers.shift()!, claim: claim(() => Infinity), onWait: () => waits++, pollMs: 1 });
    expect(answers).toEqual([]);
    expect(waits).toBe(1);
  });

  it("counts an unreadable Redis as one without room", async () => {
    let calls = 0;
    await waitForRoom({
      room: async () => (++calls === 1 ? Promise.reject(new Error("Connection is closed.")) : true),
      claim: undefined,
      onWait: () => undefined,
      pollMs: 1,
    });
    expect(calls).toBe(2);
  });

  it("gives up before the worker's claim runs out: the script never starts", async () => {
    const deadline = performance.now() + 30;
    let polls = 0;
    const room = async () => (polls++, false);
    await expect(waitForRoom({ room, claim: claim(() => deadline), onWait: () => undefined, pollMs: 5 })).rejects.toBeInstanceOf(NoRoomToRecord);
    expect(polls).toBeGreaterThan(1);
  });
});

describe("memoryFromInfo", () => {
  it("reads used_memory and maxmemory from INFO memory", () => {
    expect(memoryFromInfo("# Memory\r\nused_memory:5555008\r\nused_memory_human:5.30M\r\nmaxmemory:3145728\r\n")).toEqual({
      usedMemory: 5555008,
      maxMemory: 3145728,
    });
    expect(memoryFromInfo("# Memory\r\nused_memory_human:5.30M\r\n")).toBeNull();
  });
});
