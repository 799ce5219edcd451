import * as tus from "tus-js-client";

/** Uploads a whole buffer with the real tus-js-client. */
export function tusUpload(url: string, token: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${url}/files/`,
      headers: { Authorization: `Bearer ${token}` },
      uploadSize: data.length,
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
}
