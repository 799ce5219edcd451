import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "../src/auth/passwords.ts";

describe("password hashing (scrypt under nodejs_compat in workerd)", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("salts every hash and keeps older parameters verifiable", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
    expect(needsRehash("scrypt$1024$8$1$c2FsdA==$a2V5")).toBe(true);
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
  });

  it("asks for a rehash of any set that is not today's, even one OWASP calls as strong", async () => {
    expect(needsRehash("scrypt$16384$8$1$c2FsdA==$a2V5")).toBe(true); // the default before the hardening work
    expect(needsRehash("scrypt$16384$8$5$c2FsdA==$a2V5")).toBe(true); // OWASP's 16 MiB set
    expect(needsRehash("scrypt$32768$8$3$c2FsdA==$a2V5")).toBe(false);
    expect(needsRehash("")).toBe(true);
  });

  it("refuses, without throwing, a stored hash that asks for more memory than the isolate allows", async () => {
    // N=2^20, r=8 is 1 GiB: refused by scrypt's maxmem before anything is allocated.
    expect(await verifyPassword("x", "scrypt$1048576$8$1$c2FsdA==$a2V5")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1000$8$1$c2FsdA==$a2V5")).toBe(false); // N not a power of 2
  });
});
