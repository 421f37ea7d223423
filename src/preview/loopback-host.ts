import { BlockList, isIP } from "node:net";

// 127.0.0.0/8: IPv4's loopback, what never leaves this machine.
const LOOPBACK_V4 = new BlockList();
LOOPBACK_V4.addSubnet("127.0.0.0", 8, "ipv4");

/**
 * The address the preview listens on for `--host`: an IPv4 loopback address as given, `::1`,
 * `localhost` as 127.0.0.1 (never looked up: a hosts file may point it elsewhere), or null
 * for anything else (IPv6's other spellings of loopback included), which the preview refuses:
 * it runs chores for whoever reaches it, with no sign-in.
 */
export function loopbackAddress(host: string): string | null {
  const bare = host.trim().replace(/^\[(.*)\]$/, "$1");
  if (bare.toLowerCase() === "localhost") return "127.0.0.1";
  if (bare === "::1") return bare;
  return isIP(bare) === 4 && LOOPBACK_V4.check(bare, "ipv4") ? bare : null;
}

/**
 * Whether a request's `Host` header names the preview itself (`address:port` or
 * `localhost:port`): a web page whose own name an attacker pointed at 127.0.0.1 (DNS
 * rebinding) sends its own name, and must not read the pages or post a form.
 */
export function isOwnHost(hostHeader: string | undefined, address: string, port: number): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.trim().toLowerCase();
  const named = isIP(address) === 6 ? `[${address}]` : address;
  return host === `${named}:${port}` || host === `localhost:${port}`;
}
