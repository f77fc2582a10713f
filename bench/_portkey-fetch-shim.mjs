// Preloaded into @portkey-ai/gateway's process by bench/proxy.ts. Portkey 1.15 streams through
// `new Response(stream, upstreamResponse)` and then appends its x-portkey-* headers. Under the
// @hono/node-server it installs (1.19, whose lightweight Response reuses the init's Headers
// object) those headers are fetch()'s own, immutable ones, and every streamed request fails with
// "TypeError: immutable" (Portkey-AI/gateway#1389). Re-wrapping fetch's answer in a plain
// Response gives it mutable headers, as Portkey's own fix proposals do (#1390, #1551); the body
// stream is handed on as is, not copied.
const NativeResponse = globalThis.Response;
const nativeFetch = globalThis.fetch;

globalThis.fetch = async function fetch(input, init) {
  const answer = await nativeFetch(input, init);
  return new NativeResponse(answer.body, answer);
};
