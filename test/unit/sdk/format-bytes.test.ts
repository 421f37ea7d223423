import { expect, it } from "vitest";
import { formatBytes } from "../../../src/sdk/format-bytes.js";

it("formats sizes as people read them", () => {
  expect([0, 1, 1023, 1024, 1536, 10 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual([
    "0 bytes",
    "1 byte",
    "1023 bytes",
    "1 KiB",
    "1.5 KiB",
    "10 MiB",
    "3 GiB",
  ]);
});
