import { describe, expect, test } from "vitest";
import { createRedactor, tooShortToRedact } from "../../../src/runner/redact.js";

describe("createRedactor", () => {
  test("replaces every occurrence of each secret", () => {
    const redact = createRedactor(["hunter22", "s3cr3t-token"]);
    expect(redact("pw=hunter22 token=s3cr3t-token again hunter22")).toBe("pw=[REDACTED] token=[REDACTED] again [REDACTED]");
  });

  test("prefers the longest secret where one contains another", () => {
    const redact = createRedactor(["abcd1234", "abcd1234567890"]);
    expect(redact("x abcd1234567890 y abcd1234 z")).toBe("x [REDACTED] y [REDACTED] z");
  });

  test("ignores values shorter than 6 characters, which ordinary output is full of", () => {
    const redact = createRedactor(["1", "yes", "", "true", "5432", "sixsix"]);
    expect(redact("1 yes true on port 5432 sixsix")).toBe("1 yes true on port 5432 [REDACTED]");
    expect(tooShortToRedact("12345")).toBe(true);
    expect(tooShortToRedact("123456")).toBe(false);
  });

  test("treats regular expression metacharacters literally", () => {
    const redact = createRedactor(["a.b*c(d)[e]$^|\\/-?+{2}"]);
    expect(redact("aXbbbcd")).toBe("aXbbbcd");
    expect(redact("<a.b*c(d)[e]$^|\\/-?+{2}>")).toBe("<[REDACTED]>");
  });

  test("redacts each long line of a multi-line secret on its own", () => {
    const pem = "-----BEGIN KEY-----\r\nAAAABBBBCCCC\nshort\nDDDDEEEEFFFF\n-----END KEY-----";
    const redact = createRedactor([pem]);
    expect(redact("DDDDEEEEFFFF")).toBe("[REDACTED]");
    expect(redact("-----BEGIN KEY-----")).toBe("[REDACTED]");
    expect(redact("short and sweet")).toBe("short and sweet");
    expect(redact(`key: ${pem}`)).toBe("key: [REDACTED]");
  });

  test("with no usable secrets returns text unchanged", () => {
    expect(createRedactor([])("anything [x]")).toBe("anything [x]");
  });
});

describe("createRedactor: encoded secrets", () => {
  const quoted = 'pa"ss\\word-1234';
  const redact = createRedactor(["prod-token-value-123", quoted, "73914826", "naïve secret/+"]);

  test("redacts a secret escaped inside JSON, and inside JSON inside JSON", () => {
    expect(redact(JSON.stringify({ password: quoted }))).toBe('{"password":"[REDACTED]"}');
    expect(redact(JSON.stringify({ body: JSON.stringify({ password: quoted }) }))).toBe('{"body":"{\\"password\\":\\"[REDACTED]\\"}"}');
  });

  test("redacts a secret written as a JavaScript string quoted with ' or `, as esbuild writes one holding a quote", () => {
    expect(redact(`const a = 'pa"ss\\\\word-1234';`)).toBe("const a = '[REDACTED]';");
    expect(redact('const b = `it is pa"ss\\\\word-1234`;')).toBe("const b = `it is [REDACTED]`;");
  });

  test("redacts a URL-encoded secret, by encodeURIComponent or as a form field", () => {
    expect(redact(`https://api.example/?token=${encodeURIComponent(quoted)}&x=1`)).toBe("https://api.example/?token=[REDACTED]&x=1");
    const form = new URLSearchParams({ a: "naïve secret/+", b: quoted }).toString();
    expect(redact(form)).toBe("a=[REDACTED]&b=[REDACTED]");
  });

  test("redacts a secret in base64, standard and URL-safe, padded or not", () => {
    for (const secret of ["prod-token-value-123", quoted, "73914826", "naïve secret/+"]) {
      const bytes = Buffer.from(secret);
      for (const encoded of [bytes.toString("base64"), bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url")]) {
        expect(redact(`token ${encoded} end`), `${secret} as ${encoded}`).toBe("token [REDACTED] end");
      }
    }
  });

  test("redacts the secret's part of a longer base64 text, whatever its offset, leaving its neighbours' few bits", () => {
    for (const secret of ["prod-token-value-123", quoted, "73914826"]) {
      for (const before of ["", "u", "us", "user:", "Basic admin:"]) {
        for (const after of ["", "!", "!?", "!?#"]) {
          const encoded = Buffer.from(before + secret + after).toString("base64");
          const redacted = redact(encoded);
          // What is left encodes the neighbours and at most the bits they share a character with.
          const head = Math.ceil((8 * before.length) / 6);
          const tail = Math.ceil((8 * after.length) / 6) + 1;
          expect(redacted, `${before}${secret}${after} as ${encoded}`).toMatch(
            new RegExp(`^[A-Za-z0-9+/]{0,${head}}\\[REDACTED\\][A-Za-z0-9+/]{0,${tail}}=*$`),
          );
          // The characters that encode only the neighbour before it are left as they were.
          const own = Math.floor((8 * before.length) / 6);
          expect(redacted.slice(0, own)).toBe(encoded.slice(0, own));
        }
      }
    }
  });

  test("leaves text alone that merely resembles an encoding", () => {
    const text = "counted 7391482 rows; cHJvZC10b2tl is half a token; pa%22ss";
    expect(redact(text)).toBe(text);
  });
});
