import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "../src/auth/passwords.ts";

describe("password hashing (scrypt under nodejs_compat in workerd)", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("salts every hash and keeps older parameters verifiable", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
    expect(needsRehash("scrypt$1024$8$1$c2FsdA==$a2V5")).toBe(true);
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
  });
});
