// The shim's `k6/http` module: synchronous requests with k6's response object, built-in metrics
// (http_reqs, http_req_duration, http_req_failed) and tags, expected statuses.
import { baseTags, blockingFetch, emit } from './runtime.mjs';

/** k6 (Go's net/http) canonical header names: `etag` -> `Etag`, `x-request-id` -> `X-Request-Id`. */
function canonicalHeaderName(name) {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

/** k6's duration strings as far as the script uses them: `500ms`, `30s`, `2m`, or a number of ms. */
function durationMs(value) {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(value));
  if (!match) throw new Error(`k6 shim: unsupported duration ${value}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2]];
}

export function expectedStatuses(...statuses) {
  return { expectedStatuses: statuses };
}

/** k6's default: 200-399 are expected, anything else is a failed request. */
let defaultCallback = expectedStatuses({ min: 200, max: 399 });

export function setResponseCallback(callback) {
  defaultCallback = callback;
}

function isExpected(callback, status) {
  return callback.expectedStatuses.some((s) =>
    typeof s === 'number' ? s === status : status >= s.min && status <= s.max,
  );
}

const SUPPORTED_PARAMS = new Set(['headers', 'tags', 'timeout', 'responseCallback']);

export function request(method, url, body = null, params = {}) {
  for (const key of Object.keys(params ?? {})) {
    if (!SUPPORTED_PARAMS.has(key))
      throw new Error(`k6 shim: request parameter ${key} is not implemented`);
  }
  if (body !== null && body !== undefined && typeof body !== 'string') {
    throw new Error('k6 shim: only string bodies are implemented (k6 would form-encode an object)');
  }
  const timeoutMs = durationMs(params?.timeout ?? '60s');
  const result = blockingFetch({
    method: method.toUpperCase(),
    url,
    body: body ?? undefined,
    headers: params?.headers ?? {},
    timeoutMs,
  });

  const headers = {};
  for (const [name, value] of result.headers) {
    const key = canonicalHeaderName(name);
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const callback =
    params?.responseCallback === undefined ? defaultCallback : params.responseCallback;
  const tags = {
    ...baseTags(),
    method: method.toUpperCase(),
    url,
    name: url,
    status: String(result.status),
    ...params?.tags,
  };
  if (callback !== null) tags.expected_response = String(isExpected(callback, result.status));
  emit('http_reqs', 1, tags);
  emit('http_req_duration', result.durationMs, tags);
  if (callback !== null) emit('http_req_failed', tags.expected_response === 'true' ? 0 : 1, tags);

  return {
    status: result.status,
    status_text: result.statusText,
    url,
    body: result.body,
    headers,
    error: result.error ?? '',
    error_code: result.error ? 1000 : 0,
    timings: { duration: result.durationMs },
    request: {
      method: method.toUpperCase(),
      url,
      body: body ?? '',
      headers: params?.headers ?? {},
    },
    json(selector) {
      if (selector !== undefined) throw new Error('k6 shim: json(selector) is not implemented');
      return JSON.parse(result.body);
    },
  };
}

export const get = (url, params) => request('GET', url, null, params);
export const head = (url, params) => request('HEAD', url, null, params);
export const post = (url, body, params) => request('POST', url, body, params);
export const put = (url, body, params) => request('PUT', url, body, params);
export const patch = (url, body, params) => request('PATCH', url, body, params);
export const del = (url, body, params) => request('DELETE', url, body, params);

export default { request, get, head, post, put, patch, del, expectedStatuses, setResponseCallback };
