import { generateKeyPairSync } from "node:crypto";

/** A fresh RSA key for the GitHub App under test; never a committed one. */
export function generateAppKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return privateKey;
}
