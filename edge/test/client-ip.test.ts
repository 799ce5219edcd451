import { describe, expect, it } from "vitest";
import { rateLimitKeyForIp } from "../src/http/client-ip.ts";

describe("rateLimitKeyForIp", () => {
  it("keys IPv4 on the address and IPv6 on its /64, whatever the notation", () => {
    expect(rateLimitKeyForIp("192.0.2.7")).toBe("192.0.2.7");
    for (const ip of [
      "2001:db8:1:2::1",
      "2001:0DB8:0001:0002:ffff:ffff:ffff:ffff",
      "[2001:db8:1:2:aaaa::]",
      "2001:db8:1:2:0:0:0:1%eth0",
    ]) {
      expect(rateLimitKeyForIp(ip), ip).toBe("2001:db8:1:2::/64");
    }
    expect(rateLimitKeyForIp("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(rateLimitKeyForIp("::1")).toBe("0:0:0:0::/64");
  });

  it("treats IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(rateLimitKeyForIp("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(rateLimitKeyForIp("::ffff:c000:207")).toBe("192.0.2.7");
  });

  it("keeps anything that is not an address as it is, bounded", () => {
    expect(rateLimitKeyForIp("1:2:3")).toBe("1:2:3");
    expect(rateLimitKeyForIp("a::b::c")).toBe("a::b::c");
    expect(rateLimitKeyForIp(`${"f:".repeat(100)}`)).toHaveLength(64);
    expect(rateLimitKeyForIp("unknown")).toBe("unknown");
  });
});
