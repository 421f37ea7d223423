/**
 * The forms a secret commonly takes in what a script prints, other than the value itself:
 * escaped inside a JSON or JavaScript string, URL-encoded, and in base64 (standard and
 * URL-safe), whole or inside a longer encoded text.
 */
export function encodedForms(secret: string): string[] {
  const forms = new Set([...escapedForms(secret), ...urlForms(secret), ...base64Forms(Buffer.from(secret, "utf8"))]);
  forms.delete(secret);
  return [...forms];
}

/**
 * Inside a string literal: JSON's escapes (also nested once, a JSON body logged inside JSON),
 * and JavaScript's with ' or ` as the quote, which esbuild picks for a value holding a `"`.
 */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  // In JSON's form every `"` is escaped and every escaped `"` is one from the value.
  const unquoted = json.replace(/\\"/g, '"');
  return [json, JSON.stringify(json).slice(1, -1), unquoted.replace(/'/g, "\\'"), unquoted.replace(/`|\$\{/g, "\\$&")];
}

/** encodeURIComponent's form, and a form field's (URLSearchParams: more escapes, space as `+`). */
function urlForms(secret: string): string[] {
  return [encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice("s=".length)];
}

/**
 * The base64 of the secret's bytes: whole, padded or not, as when it is encoded on its own;
 * and, as when it is encoded inside a longer text (`user:secret` in a Basic Authorization
 * header), at each of the three offsets a byte can have in base64's 3-byte groups, the
 * characters that encode the secret's bits only: character i encodes bits 6i to 6i+5.
 */
function base64Forms(bytes: Buffer): string[] {
  const whole = bytes.toString("base64");
  const forms = [whole, whole.replace(/=+$/, "")];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    forms.push(encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6)));
  }
  return forms.flatMap((form) => [form, form.replace(/\+/g, "-").replace(/\//g, "_")]);
}
