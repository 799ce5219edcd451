/** The baseline of bench/edge: the least a Worker can do, served by the same wrangler/workerd. */
export default {
  fetch(): Response {
    return new Response('{"hello":"world"}', { headers: { "content-type": "application/json" } });
  },
};
