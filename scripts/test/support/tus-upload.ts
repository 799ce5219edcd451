/**
 * Test support: a whole file sent with the real tus-js-client to the endpoint and token the
 * edge's upload ticket names (`POST /api/v1/videos` → `upload`), as the web app sends it.
 */
import * as tus from "tus-js-client";

export function uploadWithTus(upload: { endpoint: string; token: string }, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    new tus.Upload(bytes, {
      endpoint: upload.endpoint,
      headers: { Authorization: `Bearer ${upload.token}` },
      uploadSize: bytes.length,
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
}
