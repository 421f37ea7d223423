import { describe, expect, it } from "vitest";
import { isOwnHost, loopbackAddress } from "../../../src/preview/loopback-host.js";

describe("loopbackAddress", () => {
  it("takes loopback addresses as given, and localhost as 127.0.0.1 without looking it up", () => {
    expect(loopbackAddress("127.0.0.1")).toBe("127.0.0.1");
    expect(loopbackAddress("127.8.9.10")).toBe("127.8.9.10");
    expect(loopbackAddress("::1")).toBe("::1");
    expect(loopbackAddress("[::1]")).toBe("::1");
    expect(loopbackAddress("localhost")).toBe("127.0.0.1");
    expect(loopbackAddress(" LocalHost ")).toBe("127.0.0.1");
  });

  it("refuses every other address, the wildcard ones first", () => {
    for (const host of ["0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.1", "128.0.0.1", "::ffff:127.0.0.1", "example.com", "127.0.0.1.nip.io", "", "127.1"]) {
      expect(loopbackAddress(host), host).toBeNull();
    }
  });
});

describe("isOwnHost", () => {
  it("accepts the address and port it listens on, or localhost with that port", () => {
    expect(isOwnHost("127.0.0.1:3000", "127.0.0.1", 3000)).toBe(true);
    expect(isOwnHost("LOCALHOST:3000", "127.0.0.1", 3000)).toBe(true);
    expect(isOwnHost("[::1]:3000", "::1", 3000)).toBe(true);
  });

  it("refuses another name (DNS rebinding), another port, no port and no Host", () => {
    expect(isOwnHost("evil.example:3000", "127.0.0.1", 3000)).toBe(false);
    expect(isOwnHost("127.0.0.1:3001", "127.0.0.1", 3000)).toBe(false);
    expect(isOwnHost("127.0.0.1", "127.0.0.1", 3000)).toBe(false);
    expect(isOwnHost("127.0.0.2:3000", "127.0.0.1", 3000)).toBe(false);
    expect(isOwnHost(undefined, "127.0.0.1", 3000)).toBe(false);
  });
});
