import { once } from "node:events";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/bin/command.js";
import { previewCommand } from "../../../src/bin/preview-command.js";

describe("chorebot preview's command line", () => {
  it("refuses a host that is not loopback, before listening anywhere", () => {
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "my-laptop.local"]) {
      expect(() => previewCommand.run([], { host }), host).toThrow(UsageError);
      expect(() => previewCommand.run([], { host }), host).toThrow(`refusing --host ${host}: the preview runs chores for anyone who reaches it`);
    }
  });

  it("refuses a port that is not one, and arguments", () => {
    for (const port of ["-1", "65536", "80a", ""]) expect(() => previewCommand.run([], { port }), port).toThrow(/not a port/);
    expect(() => previewCommand.run(["chores"], {})).toThrow('unexpected argument "chores"');
  });

  it("says when the port is taken, and how to pick another", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    try {
      const port = String((taken.address() as AddressInfo).port);
      await expect(previewCommand.run([], { port })).rejects.toThrow(`port ${port} is in use: pick another with --port N (--port 0 picks a free one)`);
    } finally {
      taken.close();
    }
  });
});
