/**
 * bench/passwords: milliseconds per scrypt hash for OWASP's listed parameter sets, in Node and
 * in workerd (the Workers runtime, through Miniflare with nodejs_compat, as the edge runs it).
 * edge/src/auth/passwords.ts picks its parameters from these figures; the choice and the
 * figures are written up in bench/README.md.
 *
 *   node --import tsx bench/passwords.ts            # 5 hashes per set
 *   BENCH_ROUNDS=10 node --import tsx bench/passwords.ts
 *
 * In workerd a hash is timed from outside, as one fetch round trip, minus the round trip of a
 * fetch that hashes nothing (inside a Worker the clock only moves on I/O).
 */
import { randomBytes, scrypt } from "node:crypto";
import { Miniflare } from "miniflare";

/** OWASP Password Storage Cheat Sheet (2024-25): scrypt sets of equal strength, and today's. */
const CANDIDATES = [
  { N: 2 ** 14, r: 8, p: 1, note: "before the hardening work" },
  { N: 2 ** 13, r: 8, p: 10, note: "OWASP, 8 MiB" },
  { N: 2 ** 14, r: 8, p: 5, note: "OWASP, 16 MiB" },
  { N: 2 ** 15, r: 8, p: 3, note: "OWASP, 32 MiB" },
  { N: 2 ** 16, r: 8, p: 2, note: "OWASP, 64 MiB" },
  { N: 2 ** 17, r: 8, p: 1, note: "OWASP first choice, 128 MiB" },
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** What scrypt needs: V (128·r·N bytes) plus B (128·r·p), with room to spare. */
const maxmem = (N: number, r: number, p: number) => 128 * r * (N + p + 2) + 1024 * 1024;

function nodeHash(N: number, r: number, p: number): Promise<void> {
  return new Promise((resolve, reject) => {
    scrypt("correct horse battery", randomBytes(16), 32, { N, r, p, maxmem: maxmem(N, r, p) }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

const WORKER = `
import { randomBytes, scrypt } from "node:crypto";
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const [N, r, p] = ["N", "r", "p"].map((k) => Number(url.searchParams.get(k)));
    if (!N) return new Response("noop");
    const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
    try {
      await new Promise((resolve, reject) =>
        scrypt("correct horse battery", randomBytes(16), 32, { N, r, p, maxmem }, (e, k) => (e ? reject(e) : resolve(k))),
      );
      return new Response("ok");
    } catch (err) {
      return new Response(String(err), { status: 500 });
    }
  },
};`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function main() {
  const mf = new Miniflare({
    modules: true,
    script: WORKER,
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
  });
  try {
    const noop = async () => (await mf.dispatchFetch("http://bench/")).text();
    for (let i = 0; i < 5; i++) await noop();
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await timeIt(noop));
    const overhead = median(rounds);
    console.log(`rounds per set: ${ROUNDS}; workerd fetch overhead ${overhead.toFixed(1)} ms (subtracted)`);
    console.log("| N | r | p | memory | Node ms/hash | workerd ms/hash | note |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const { N, r, p, note } of CANDIDATES) {
      const node: number[] = [];
      for (let i = 0; i < ROUNDS; i++) node.push(await timeIt(() => nodeHash(N, r, p)));
      const workerd: number[] = [];
      let failure = "";
      for (let i = 0; i < ROUNDS && !failure; i++) {
        const ms = await timeIt(async () => {
          const res = await mf.dispatchFetch(`http://bench/?N=${N}&r=${r}&p=${p}`);
          const text = await res.text();
          if (res.status !== 200) failure = text.slice(0, 80);
        });
        workerd.push(ms - overhead);
      }
      const mib = (128 * r * N) / 1024 ** 2;
      const inWorkerd = failure ? `fails: ${failure}` : median(workerd).toFixed(0);
      console.log(
        `| 2^${Math.log2(N)} | ${r} | ${p} | ${mib} MiB | ${median(node).toFixed(0)} | ${inWorkerd} | ${note} |`,
      );
    }
  } finally {
    await mf.dispose();
  }
}

await main();
