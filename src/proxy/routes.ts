import { messagesEndpoint } from '../capture/anthropic.js';
import type { Endpoint } from '../capture/endpoint.js';
import { embedContentEndpoint, generateContentEndpoint } from '../capture/gemini.js';
import { MessagesStreamAccumulator } from '../capture/anthropic/messages-stream-accumulator.js';
import { GenerateStreamAccumulator } from '../capture/gemini/generate-stream-accumulator.js';
import { ChatStreamAccumulator } from '../capture/openai/chat-stream-accumulator.js';
import { ResponsesStreamAccumulator } from '../capture/openai/responses-stream-accumulator.js';
import { chatCompletionsEndpoint, embeddingsEndpoint, responsesEndpoint } from '../capture/openai/openai-endpoints.js';
import type { StreamAccumulator } from '../capture/stream-capture.js';
import { ConfigError } from '../core/errors.js';
import type { ApiFamily } from './provider-errors.js';

/**
 * Where each upstream's base URL stands: the proxy path prefix it replaces. A client pointed at
 * `http://proxy/openai/v1` reaches `<openai base>/chat/completions` for `/openai/v1/chat/completions`.
 */
export const DEFAULT_UPSTREAMS: Readonly<Record<'openai' | 'anthropic' | 'gemini', string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
};

/** One upstream, parsed once at start. */
export interface Upstream {
  name: string;
  family: ApiFamily;
  /** The proxy path prefix, such as `/openai/v1` or `/u/groq/v1`. */
  prefix: string;
  url: URL;
  /** The base URL's path without a trailing slash, prepended to the rest of the request path. */
  basePath: string;
  /** What each forwarded request needs, read from `url` once rather than per request. */
  https: boolean;
  hostname: string;
  port: number;
  /** The `Host` header: host and port, the port left out when it is the scheme's own. */
  hostHeader: string;
}

/** What the proxy records for one request path; undefined paths pass through unrecorded (`GET /models`). */
export interface RecordedRoute {
  endpoint: Endpoint;
  /** The body as the capture endpoint reads it (Gemini's REST body is mapped to the SDK's shape). */
  requestOf(body: Record<string, unknown>, model: string | undefined): Record<string, unknown>;
  /** True when the request asks for a stream. */
  streams(body: Record<string, unknown>, action: string | undefined): boolean;
  /** The chunk reader for a streamed answer; `hideUsage` when the proxy added OpenAI's `include_usage`. */
  accumulator(hideUsage: boolean): StreamAccumulator<unknown>;
  /** OpenAI Chat Completions: the proxy asks for usage in streams. */
  addsStreamUsage?: true;
}

const identity = (body: Record<string, unknown>) => body;
const streamFlag = (body: Record<string, unknown>) => body.stream === true;
const never = () => false;

const OPENAI_CHAT: RecordedRoute = {
  endpoint: chatCompletionsEndpoint,
  requestOf: identity,
  streams: streamFlag,
  accumulator: (hideUsage) => new ChatStreamAccumulator(hideUsage),
  addsStreamUsage: true,
};
const OPENAI_RESPONSES: RecordedRoute = {
  endpoint: responsesEndpoint,
  requestOf: identity,
  streams: streamFlag,
  accumulator: () => new ResponsesStreamAccumulator(),
};
const OPENAI_EMBEDDINGS: RecordedRoute = {
  endpoint: embeddingsEndpoint,
  requestOf: identity,
  streams: never,
  accumulator: () => new ChatStreamAccumulator(false),
};
const ANTHROPIC_MESSAGES: RecordedRoute = {
  endpoint: messagesEndpoint,
  requestOf: identity,
  streams: streamFlag,
  accumulator: () => new MessagesStreamAccumulator(),
};
const GEMINI_GENERATE: RecordedRoute = {
  endpoint: generateContentEndpoint,
  requestOf: geminiGenerateRequest,
  streams: (_body, action) => action === 'streamGenerateContent',
  accumulator: () => new GenerateStreamAccumulator(),
};
const GEMINI_EMBED: RecordedRoute = {
  endpoint: embedContentEndpoint,
  requestOf: geminiEmbedRequest,
  streams: never,
  accumulator: () => new GenerateStreamAccumulator(),
};

/** The recorded route for `rest` (the path after the upstream's prefix), and Gemini's model and action. */
export function recordedRouteOf(
  family: ApiFamily,
  rest: string,
): { route: RecordedRoute; model?: string; action?: string } | undefined {
  switch (family) {
    case 'openai':
      if (rest === '/chat/completions') return { route: OPENAI_CHAT };
      if (rest === '/responses') return { route: OPENAI_RESPONSES };
      if (rest === '/embeddings') return { route: OPENAI_EMBEDDINGS };
      return undefined;
    case 'anthropic':
      return rest === '/messages' ? { route: ANTHROPIC_MESSAGES } : undefined;
    case 'gemini': {
      const match = /^\/models\/([^/:]+):(\w+)$/.exec(rest);
      if (!match) return undefined;
      // Never escaped: a path holding a percent-escape is refused before routing (pathProblem).
      const model = match[1]!;
      const action = match[2]!;
      if (action === 'generateContent' || action === 'streamGenerateContent') {
        return { route: GEMINI_GENERATE, model, action };
      }
      if (action === 'embedContent' || action === 'batchEmbedContents') return { route: GEMINI_EMBED, model, action };
      return undefined;
    }
  }
}

/** Gemini's REST body in the `@google/genai` shape the capture endpoint reads. */
function geminiGenerateRequest(body: Record<string, unknown>, model: string | undefined): Record<string, unknown> {
  const generation =
    typeof body.generationConfig === 'object' && body.generationConfig !== null ? body.generationConfig : {};
  const config: Record<string, unknown> = { ...generation };
  if (body.systemInstruction !== undefined) config.systemInstruction = body.systemInstruction;
  if (body.tools !== undefined) config.tools = body.tools;
  if (body.toolConfig !== undefined) config.toolConfig = body.toolConfig;
  if (body.safetySettings !== undefined) config.safetySettings = body.safetySettings;
  if (body.cachedContent !== undefined) config.cachedContent = body.cachedContent;
  return { model, contents: body.contents, config };
}

function geminiEmbedRequest(body: Record<string, unknown>, model: string | undefined): Record<string, unknown> {
  const requests = Array.isArray(body.requests) ? (body.requests as Array<Record<string, unknown> | null>) : undefined;
  const contents = requests ? requests.map((request) => request?.content) : body.content;
  const config: Record<string, unknown> = {};
  for (const key of ['taskType', 'title', 'outputDimensionality'] as const) {
    if (body[key] !== undefined) config[key] = body[key];
  }
  return { model, contents, config };
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/**
 * The upstream table: the three providers (defaults replaceable) and named OpenAI-compatible
 * upstreams (`/u/<name>/v1`). A base URL that is not http(s) is a ConfigError naming it.
 */
export function buildUpstreams(given: Readonly<Record<string, string>> = {}): Map<string, Upstream> {
  const table = new Map<string, Upstream>();
  const merged: Record<string, string> = { ...DEFAULT_UPSTREAMS, ...given };
  for (const [name, base] of Object.entries(merged)) {
    if (!NAME.test(name)) {
      throw new ConfigError({
        source: 'proxy options',
        path: `upstreams.${name}`,
        expected: 'an upstream name of letters, digits, "-" and "_" (such as groq), usable in /u/<name>/v1',
        received: JSON.stringify(name),
      });
    }
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new ConfigError({
        source: 'proxy options',
        path: `upstreams.${name}`,
        expected: 'a base URL such as https://api.groq.com/openai/v1',
        received: JSON.stringify(base),
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError({
        source: 'proxy options',
        path: `upstreams.${name}`,
        expected: 'an http:// or https:// URL',
        received: JSON.stringify(base),
      });
    }
    if (url.search || url.hash) {
      throw new ConfigError({
        source: 'proxy options',
        path: `upstreams.${name}`,
        expected: 'a base URL without a query or fragment',
        received: JSON.stringify(base),
      });
    }
    const family: ApiFamily = name === 'anthropic' ? 'anthropic' : name === 'gemini' ? 'gemini' : 'openai';
    const prefix =
      name === 'openai'
        ? '/openai/v1'
        : name === 'anthropic'
          ? '/anthropic/v1'
          : name === 'gemini'
            ? '/gemini/v1beta'
            : `/u/${name}/v1`;
    const https = url.protocol === 'https:';
    table.set(prefix, {
      name,
      family,
      prefix,
      url,
      basePath: url.pathname.replace(/\/+$/, ''),
      https,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : https ? 443 : 80,
      hostHeader: url.host,
    });
  }
  return table;
}

/**
 * Why a request path (what follows the upstream's prefix) is not forwarded, or undefined. An
 * upstream may read a path in another form than it was sent: dot segments resolved, repeated or
 * trailing slashes merged, escapes decoded, a backslash taken for a slash, a `;parameter` dropped.
 * `/chat/../chat/completions` or `/chat/%63ompletions` would then reach it as a chat call the proxy
 * did not recognise: unrecorded, and past every budget and rate limit. So only paths with one
 * reading are forwarded; the APIs' own paths never need any of these.
 */
export function pathProblem(rest: string): string | undefined {
  for (let index = 0; index < rest.length; index++) {
    const char = rest.charCodeAt(index);
    if (char === 0x25 /* % */) return 'holds a percent-escape: send the path unescaped';
    if (char === 0x5c /* \ */) return 'holds a backslash';
    if (char === 0x3b /* ; */) return 'holds a semicolon';
    if (char === 0x2f /* / */) {
      const next = rest.charCodeAt(index + 1);
      if (Number.isNaN(next) || next === 0x2f) return 'has an empty segment (a repeated or trailing slash)';
      if (next === 0x2e /* . */) {
        const after = index + 2 < rest.length && rest[index + 2] === '.' ? index + 3 : index + 2;
        if (after >= rest.length || rest[after] === '/') return 'has a dot segment (. or ..)';
      }
    }
  }
  return undefined;
}

/** The upstream whose prefix starts `path`, and the rest of the path after it. */
export function upstreamOf(
  upstreams: ReadonlyMap<string, Upstream>,
  path: string,
): { upstream: Upstream; rest: string } | undefined {
  let prefix: string;
  if (path.startsWith('/u/')) {
    const end = path.indexOf('/', 3);
    if (end < 0) return undefined;
    const version = path.indexOf('/', end + 1);
    prefix = version < 0 ? path : path.slice(0, version);
  } else {
    const second = path.indexOf('/', 1);
    if (second < 0) return undefined;
    const third = path.indexOf('/', second + 1);
    prefix = third < 0 ? path : path.slice(0, third);
  }
  const upstream = upstreams.get(prefix);
  if (!upstream) return undefined;
  return { upstream, rest: path.slice(prefix.length) };
}
