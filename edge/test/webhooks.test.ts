/**
 * /api/v1/webhooks on real Postgres: an endpoint's life (create with the secret shown once,
 * list, rotate, delete), the SSRF checks at creation, another user's endpoint being 404, the
 * delivery log with redelivery, a disabled endpoint, and `video.deleted` being queued in the
 * same batch as the deletion. Deliveries themselves are the farm's (farm/test/webhooks.test.ts).
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { callJson, createVideo, db, type ErrorJson, signUp } from "./helpers.ts";

interface Webhook {
  id: string;
  url: string;
  events: string[];
  status: string;
  disabledReason: string | null;
}
interface Created {
  webhook: Webhook;
  secret: string;
  previousSecretExpiresAt: string | null;
}

let owner: Awaited<ReturnType<typeof signUp>>;
let stranger: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  owner = await signUp();
  stranger = await signUp();
});

async function create(token: string, body: Record<string, unknown> = {}) {
  return callJson<Created & ErrorJson>("POST", "/api/v1/webhooks", {
    token,
    body: { url: "https://hooks.example.com/movio", events: ["video.ready", "video.failed"], ...body },
  });
}

describe("webhook endpoints", () => {
  it("creates one with a whsec_ secret shown once, lists it without the secret, and deletes it", async () => {
    const res = await create(owner.accessToken, { description: "CI" });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.body.webhook).toMatchObject({
      url: "https://hooks.example.com/movio",
      events: ["video.ready", "video.failed"],
      status: "active",
      disabledReason: null,
    });
    const list = await callJson<{ items: Webhook[] }>("GET", "/api/v1/webhooks", {
      token: owner.accessToken,
    });
    expect(list.body.items.map((w) => w.id)).toContain(res.body.webhook.id);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const one = await callJson<Webhook>("GET", `/api/v1/webhooks/${res.body.webhook.id}`, {
      token: owner.accessToken,
    });
    expect(JSON.stringify(one.body)).not.toContain("whsec_");
    expect(
      (await callJson("DELETE", `/api/v1/webhooks/${res.body.webhook.id}`, { token: owner.accessToken }))
        .status,
    ).toBe(204);
    expect(
      (await callJson("GET", `/api/v1/webhooks/${res.body.webhook.id}`, { token: owner.accessToken })).status,
    ).toBe(404);
  });

  it("rotates the secret: a new one shown once, the old one still signing for a day", async () => {
    const { body } = await create(owner.accessToken);
    const rotated = await callJson<Created>("POST", `/api/v1/webhooks/${body.webhook.id}/rotate-secret`, {
      token: owner.accessToken,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(body.secret);
    const hours = (Date.parse(rotated.body.previousSecretExpiresAt!) - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(23.9);
    const [row] = await db<{ secret: string; previous_secret: string }>(
      sql`select secret, previous_secret from webhook_endpoints where id = ${body.webhook.id}`,
    );
    expect(row).toEqual({ secret: rotated.body.secret, previous_secret: body.secret });
  });

  it("refuses loopback, private, link-local, metadata and internal URLs (WEBHOOK_ALLOW_PRIVATE off)", async () => {
    for (const url of [
      "http://127.0.0.1:9000/x",
      "http://localhost/x",
      "http://10.0.0.8/x",
      "http://192.168.1.1/x",
      "http://172.20.0.1/x",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/x",
      "http://[fd00:ec2::254]/x",
      "http://[::ffff:169.254.169.254]/x",
      "http://0x7f000001/x",
      "http://2130706433/x",
      "http://metadata.google.internal/x",
      "http://intranet/x",
      "ftp://hooks.example.com/x",
      "https://user:pass@hooks.example.com/x",
      "not a url",
    ]) {
      const res = await create(owner.accessToken, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe("validation_failed");
    }
  });

  it("accepts private URLs when WEBHOOK_ALLOW_PRIVATE is on (the local stack)", async () => {
    const res = await callJson<Created>("POST", "/api/v1/webhooks", {
      token: owner.accessToken,
      body: { url: "http://127.0.0.1:9000/x", events: ["video.ready"] },
      bindings: { WEBHOOK_ALLOW_PRIVATE: "true" },
    });
    expect(res.status).toBe(201);
  });

  it("refuses unknown events, duplicates, an empty list and unknown fields", async () => {
    for (const body of [
      { events: ["video.exploded"] },
      { events: ["video.ready", "video.ready"] },
      { events: [] },
      { secret: "whsec_mine" },
    ]) {
      expect((await create(owner.accessToken, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("keeps users apart: someone else's webhook is 404 for every operation; anonymous is 401", async () => {
    const { body } = await create(owner.accessToken);
    const id = body.webhook.id;
    for (const [method, path] of [
      ["GET", `/api/v1/webhooks/${id}`],
      ["DELETE", `/api/v1/webhooks/${id}`],
      ["POST", `/api/v1/webhooks/${id}/rotate-secret`],
      ["POST", `/api/v1/webhooks/${id}/enable`],
      ["GET", `/api/v1/webhooks/${id}/deliveries`],
      ["POST", `/api/v1/webhooks/${id}/deliveries/0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11/redeliver`],
    ] as const) {
      const res = await callJson<ErrorJson>(method, path, { token: stranger.accessToken });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await callJson(method, path)).status, `${method} ${path} anonymous`).toBe(401);
    }
    const theirs = await callJson<{ items: Webhook[] }>("GET", "/api/v1/webhooks", {
      token: stranger.accessToken,
    });
    expect(theirs.body.items.map((w) => w.id)).not.toContain(id);
    // Still there for its owner.
    expect((await callJson("GET", `/api/v1/webhooks/${id}`, { token: owner.accessToken })).status).toBe(200);
  });
});

describe("deliveries", () => {
  it("lists deliveries with their attempts, and redelivers one (same message id) as a new job", async () => {
    const { body } = await create(owner.accessToken);
    const { video } = await createVideo(owner.accessToken);
    const [delivery] = await db<{ id: string }>(sql`
      insert into webhook_deliveries (endpoint_id, message_id, event, video_id, body, state, attempts, retry_until)
      values (${body.webhook.id}, 'msg_abc', 'video.ready', ${video.id}, '{"type":"video.ready"}', 'failed', 2, now())
      returning id`);
    await db(sql`insert into webhook_attempts (delivery_id, duration_ms, status_code, succeeded, error, response_body)
      values (${delivery!.id}, 12, 500, false, 'HTTP 500', 'oops'), (${delivery!.id}, 9, null, false, 'connect ECONNREFUSED', null)`);
    const list = await callJson<{
      items: {
        id: string;
        messageId: string;
        state: string;
        payload: unknown;
        attemptLog: { statusCode: number | null; error: string }[];
      }[];
    }>("GET", `/api/v1/webhooks/${body.webhook.id}/deliveries`, { token: owner.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({
      id: delivery!.id,
      messageId: "msg_abc",
      state: "failed",
      payload: { type: "video.ready" },
      attemptLog: [
        { statusCode: 500, error: "HTTP 500" },
        { statusCode: null, error: "connect ECONNREFUSED" },
      ],
    });
    const again = await callJson<{ state: string }>(
      "POST",
      `/api/v1/webhooks/${body.webhook.id}/deliveries/${delivery!.id}/redeliver`,
      { token: owner.accessToken },
    );
    expect(again.status).toBe(202);
    expect(again.body.state).toBe("pending");
    const jobs = await db<{ state: string; payload: { deliveryId: string } }>(
      sql`select state, payload from jobs where type = 'deliver_webhook' and video_id = ${video.id}`,
    );
    expect(jobs).toEqual([{ state: "queued", payload: { deliveryId: delivery!.id } }]);
    // Asking again while it waits adds no second job.
    await callJson("POST", `/api/v1/webhooks/${body.webhook.id}/deliveries/${delivery!.id}/redeliver`, {
      token: owner.accessToken,
    });
    expect(
      await db(sql`select 1 from jobs where type = 'deliver_webhook' and video_id = ${video.id}`),
    ).toHaveLength(1);
  });

  it("says when an endpoint was disabled and why, refuses redelivery then, and can enable it again", async () => {
    const { body } = await create(owner.accessToken);
    await db(sql`update webhook_endpoints set disabled_at = now(), failing_since = now() - interval '25 hours',
      disabled_reason = 'every delivery failed for 24 hours (last: HTTP 500)' where id = ${body.webhook.id}`);
    const seen = await callJson<Webhook>("GET", `/api/v1/webhooks/${body.webhook.id}`, {
      token: owner.accessToken,
    });
    expect(seen.body).toMatchObject({ status: "disabled", disabledReason: /failed for 24 hours/ });
    const [delivery] = await db<{ id: string }>(sql`
      insert into webhook_deliveries (endpoint_id, message_id, event, body, state, retry_until)
      values (${body.webhook.id}, 'msg_x', 'video.ready', '{}', 'failed', now()) returning id`);
    const refused = await callJson<ErrorJson>(
      "POST",
      `/api/v1/webhooks/${body.webhook.id}/deliveries/${delivery!.id}/redeliver`,
      { token: owner.accessToken },
    );
    expect(refused.status).toBe(409);
    const enabled = await callJson<Webhook>("POST", `/api/v1/webhooks/${body.webhook.id}/enable`, {
      token: owner.accessToken,
    });
    expect(enabled.body).toMatchObject({ status: "active", disabledReason: null });
  });
});

describe("events queued by the edge", () => {
  it("queues video.deleted with the deletion, only for owners with an endpoint that wants it", async () => {
    await create(owner.accessToken, { events: ["video.deleted"] });
    const { video } = await createVideo(owner.accessToken);
    expect(
      (await callJson("DELETE", `/api/v1/videos/${video.id}`, { token: owner.accessToken })).status,
    ).toBe(204);
    const jobs = await db<{ payload: { event: string } }>(
      sql`select payload from jobs where type = 'webhook_event' and video_id = ${video.id}`,
    );
    expect(jobs.map((j) => j.payload.event)).toEqual(["video.deleted"]);

    const { video: theirs } = await createVideo(stranger.accessToken); // the stranger has no endpoint
    await callJson("DELETE", `/api/v1/videos/${theirs.id}`, { token: stranger.accessToken });
    expect(
      await db(sql`select 1 from jobs where type = 'webhook_event' and video_id = ${theirs.id}`),
    ).toHaveLength(0);
  });
});
