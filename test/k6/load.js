// Load test of the favorites service for k6 (https://k6.io): `k6 run test/k6/load.js`, or
// `npm run load:k6`. Each virtual user signs up and logs in once, then repeats a visit: walk the
// list by cursor, add an asset (chart, insight or audience in turn), read one (then revalidate it
// with its ETag), and on some visits edit a description, delete one, or stream the whole list as
// NDJSON. Thresholds: failed requests, failed checks, and p95 per endpoint.
//
// The target must allow one sign-up per VU from this machine's address (plus one, see setup()):
// run it with e.g. RATE_LIMIT_SIGNUP_ADDRESS=1000 RATE_LIMIT_LOGIN_ADDRESS=1000 (README, "Load
// test (k6)"). Settings, all optional, with `-e NAME=value`:
//   BASE_URL            the service (default http://127.0.0.1:8080)
//   VUS                 peak virtual users (default 20)
//   RAMP_UP / HOLD / RAMP_DOWN   the stages (default 30s / 2m / 30s)
//   PAGE_LIMIT          page size of the list walk (default 20)
//   THINK_TIME_SECONDS  mean pause between a user's actions (default 1)
//   REFRESH_MARGIN_SECONDS  refresh the access token this long before it expires (default 60)
/* global __ENV, __ITER, __VU */ // k6's globals
import { check, fail, group, sleep } from 'k6';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const VUS = Number(__ENV.VUS || 20);
const THINK_TIME_SECONDS = Number(__ENV.THINK_TIME_SECONDS || 1);
const REFRESH_MARGIN_SECONDS = Number(__ENV.REFRESH_MARGIN_SECONDS || 60);
const PASSWORD = 'k6 load test password';
const PAGE_LIMIT = Number(__ENV.PAGE_LIMIT || 20);
const MAX_PAGES_WALKED = 3;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** p95 targets per endpoint, ms. bcrypt makes sign-up and login slow on purpose. */
const P95_MS = {
  signup: 2000,
  login: 2000,
  refresh: 300,
  list: 300,
  list_cursor: 300,
  get: 200,
  get_not_modified: 200,
  add: 500,
  edit: 500,
  delete: 500,
  stream: 1000,
};

export const options = {
  scenarios: {
    favourites: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP_UP || '30s', target: VUS },
        { duration: __ENV.HOLD || '2m', target: VUS },
        { duration: __ENV.RAMP_DOWN || '30s', target: 0 },
      ],
      gracefulRampDown: '30s',
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    rate_limited: ['rate<0.001'],
    stream_complete: ['rate>0.99'],
    ...Object.fromEntries(
      Object.entries(P95_MS).map(([endpoint, ms]) => [
        `http_req_duration{endpoint:${endpoint}}`,
        [`p(95)<${ms}`],
      ]),
    ),
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

const rateLimited = new Rate('rate_limited');
const streamComplete = new Rate('stream_complete');
const streamLines = new Trend('stream_lines');
const listWalk = new Trend('list_walk_duration', true);
const added = new Counter('favorites_added');
const deleted = new Counter('favorites_deleted');

/** This VU's user (k6 keeps module state per VU): its tokens and the favourites it holds. */
let session = null;

function think() {
  sleep(THINK_TIME_SECONDS * (0.5 + Math.random()));
}

/** Every response counts towards `rate_limited`: a 429 means the target's limits were hit. */
function call(method, path, body, endpoint, extra = {}) {
  const headers = { ...(body === null ? {} : JSON_HEADERS), ...extra.headers };
  if (session && endpoint !== 'signup' && endpoint !== 'login' && endpoint !== 'refresh') {
    headers.Authorization = `Bearer ${session.token}`;
  }
  const params = { headers, tags: { endpoint, name: `${method} ${extra.name || path}` } };
  if (extra.responseCallback) params.responseCallback = extra.responseCallback;
  const res = http.request(
    method,
    `${BASE_URL}${path}`,
    body === null ? null : JSON.stringify(body),
    params,
  );
  rateLimited.add(res.status === 429, { endpoint });
  return res;
}

function json(res) {
  try {
    return res.json();
  } catch {
    return null;
  }
}

/**
 * Checks the target is ready and that its sign-up limit lets every VU sign up: the probe's own
 * sign-up reports what is left of this address's quota (RateLimit-Remaining).
 */
export function setup() {
  const ready = http.get(`${BASE_URL}/health/ready`, { tags: { endpoint: 'setup' } });
  if (ready.status !== 200)
    fail(`${BASE_URL}/health/ready answered ${ready.status}: is the service up?`);
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const probe = http.post(
    `${BASE_URL}/signup`,
    JSON.stringify({ email: `k6-${runId}-probe@example.com`, password: PASSWORD }),
    { headers: JSON_HEADERS, tags: { endpoint: 'setup' } },
  );
  const remaining = Number(probe.headers['Ratelimit-Remaining']);
  if (probe.status !== 201 || !(remaining >= VUS)) {
    fail(
      `sign-up answered ${probe.status} with ${probe.headers['Ratelimit-Remaining']} left of its ` +
        `quota for ${VUS} VUs: start the target with RATE_LIMIT_SIGNUP_ADDRESS (and ` +
        `RATE_LIMIT_LOGIN_ADDRESS) above the VU count`,
    );
  }
  return { runId };
}

function signUpAndLogIn(runId) {
  const credentials = { email: `k6-${runId}-vu${__VU}@example.com`, password: PASSWORD };
  const signup = call('POST', '/signup', credentials, 'signup');
  check(signup, { 'signup: 201': (r) => r.status === 201 });
  const login = call('POST', '/login', credentials, 'login');
  const body = json(login);
  if (
    !check(login, {
      'login: 200 with a token': (r) => r.status === 200 && Boolean(body && body.token),
    })
  ) {
    fail(`VU ${__VU} could not log in: ${login.status} ${login.body}`);
  }
  return { ...tokensOf(body), ids: [], count: 0, next: 0 };
}

function tokensOf(body) {
  return {
    token: body.token,
    refreshToken: body.refreshToken,
    expiresAt: Date.now() + body.expiresIn * 1000,
  };
}

/** Trades the refresh token for a new pair before the access token expires (each works once). */
function refreshIfDue() {
  if (Date.now() < session.expiresAt - REFRESH_MARGIN_SECONDS * 1000) return;
  const res = call('POST', '/auth/refresh', { refreshToken: session.refreshToken }, 'refresh');
  const body = json(res);
  if (
    check(res, {
      'refresh: 200 with a new pair': (r) => r.status === 200 && Boolean(body && body.refreshToken),
    })
  ) {
    Object.assign(session, tokensOf(body));
  }
}

/** The first page, then up to MAX_PAGES_WALKED - 1 more by `nextCursor`. */
function walkList() {
  const start = Date.now();
  let res = call('GET', `/favorites?limit=${PAGE_LIMIT}`, null, 'list', {
    name: '/favorites?limit',
  });
  let page = json(res);
  check(res, {
    'list: 200': (r) => r.status === 200,
    'list: total is what this user holds': () => page !== null && page.total === session.count,
  });
  for (let walked = 1; page && page.nextCursor && walked < MAX_PAGES_WALKED; walked++) {
    const path = `/favorites?limit=${PAGE_LIMIT}&cursor=${encodeURIComponent(page.nextCursor)}`;
    res = call('GET', path, null, 'list_cursor', { name: '/favorites?cursor' });
    page = json(res);
    check(res, {
      'list by cursor: 200 with a page': (r) =>
        r.status === 200 && Array.isArray(page && page.data),
    });
  }
  listWalk.add(Date.now() - start);
}

const AUDIENCE_COUNTRIES = ['GB', 'DE', 'FR', 'US', 'BR', 'JP'];

/** Realistic bodies of the three asset types (README, "API"; apps/api/src/favorites/dto). */
function newAsset(type, id) {
  switch (type) {
    case 'chart': {
      const points = 12 + Math.floor(Math.random() * 40);
      return {
        id,
        type,
        name: `Weekly active users ${__ITER}`,
        description: 'From the growth dashboard',
        x_axis: 'Week',
        y_axis: 'Users',
        data: Array.from({ length: points }, (_, i) => ({
          x: `2026-W${String(1 + (i % 52)).padStart(2, '0')}`,
          y: Math.round(1000 + Math.random() * 500),
        })),
      };
    }
    case 'insight':
      return {
        id,
        type,
        name: `Social media habits ${__ITER}`,
        content: '40% of millennials spend more than 3 hours a day on social media',
      };
    default:
      return {
        id,
        type,
        name: `Young shoppers ${__ITER}`,
        rules: {
          country: AUDIENCE_COUNTRIES[__ITER % AUDIENCE_COUNTRIES.length],
          gender: __ITER % 2 ? 'male' : 'female',
          age_min: 18,
          age_max: 34,
          age_groups: ['18-24', '25-34'],
          social_media_hours_min: 2.5,
          purchases_last_month_min: 1,
        },
      };
  }
}

const TYPES = ['chart', 'insight', 'audience'];

function add(runId) {
  const type = TYPES[__ITER % TYPES.length];
  const id = `k6-${type}-${__VU}-${session.next++}`;
  // A retry-safe client: the same key would replay this answer instead of adding twice.
  const res = call('POST', '/favorites', newAsset(type, id), 'add', {
    headers: { 'Idempotency-Key': `${runId}-${id}` },
  });
  const body = json(res);
  if (
    check(res, {
      'add: 201 with the asset': (r) =>
        r.status === 201 && body && body.id === id && body.type === type,
    })
  ) {
    session.ids.push(id);
    session.count++;
    added.add(1, { type });
  }
}

function pick() {
  return session.ids[Math.floor(Math.random() * session.ids.length)];
}

/** Reads one favourite, then revalidates it with its ETag as a caching client does (304). */
function readOne() {
  const id = pick();
  const path = `/favorites/${encodeURIComponent(id)}`;
  const res = call('GET', path, null, 'get', { name: '/favorites/{id}' });
  const body = json(res);
  check(res, { 'get: 200 with the asset': (r) => r.status === 200 && body && body.id === id });
  const etag = res.headers.Etag;
  if (!etag) return;
  const again = call('GET', path, null, 'get_not_modified', {
    name: '/favorites/{id}',
    headers: { 'If-None-Match': etag },
  });
  check(again, { 'get with If-None-Match: 304': (r) => r.status === 304 });
}

function edit() {
  const id = pick();
  const description = `Reviewed by VU ${__VU} on visit ${__ITER}`;
  const res = call('PATCH', `/favorites/${encodeURIComponent(id)}`, { description }, 'edit', {
    name: '/favorites/{id}',
  });
  const body = json(res);
  check(res, {
    'edit: 200 with the new description': (r) =>
      r.status === 200 && body && body.description === description,
  });
}

function remove() {
  const id = session.ids.shift();
  const res = call('DELETE', `/favorites/${encodeURIComponent(id)}`, null, 'delete', {
    name: '/favorites/{id}',
  });
  if (check(res, { 'delete: 204': (r) => r.status === 204 })) {
    session.count--;
    deleted.add(1);
  } else {
    session.ids.push(id);
  }
}

/**
 * The whole list as NDJSON. A 503 (TOO_MANY_STREAMS, at most STREAM_MAX_CONCURRENCY at once) is
 * the service pacing streams, not a failure: it must carry Retry-After.
 */
function stream() {
  const res = call('GET', '/favorites', null, 'stream', {
    name: '/favorites (NDJSON)',
    headers: { Accept: 'application/x-ndjson' },
    responseCallback: http.expectedStatuses(200, 503),
  });
  if (res.status === 503) {
    check(res, { 'stream refused: Retry-After': (r) => Boolean(r.headers['Retry-After']) });
    return;
  }
  const lines = res.status === 200 ? res.body.split('\n').filter((line) => line !== '') : [];
  let last = null;
  try {
    last = lines.length ? JSON.parse(lines[lines.length - 1]) : null;
  } catch {
    last = null;
  }
  // A stream broken after its first byte ends with {"error": ...}: complete means the last line is an Asset.
  const complete =
    res.status === 200 &&
    (lines.length === 0 || (last !== null && !last.error && Boolean(last.id)));
  check(res, {
    'stream: 200 NDJSON': (r) =>
      r.status === 200 && /^application\/x-ndjson/.test(r.headers['Content-Type'] || ''),
    'stream: complete, one line per favourite': () => complete && lines.length === session.count,
  });
  streamComplete.add(complete);
  streamLines.add(lines.length);
}

export default function (data) {
  if (session === null) {
    group('session', () => {
      session = signUpAndLogIn(data.runId);
    });
    think();
  }
  group('session', refreshIfDue);
  group('list', walkList);
  think();
  group('add', () => add(data.runId));
  think();
  group('read', readOne);
  // Some visits also edit, delete or export: 1 in 2, 1 in 3, 1 in 5.
  if (__ITER % 2 === 1) {
    think();
    group('edit', edit);
  }
  if (__ITER % 3 === 2) {
    think();
    group('delete', remove);
  }
  if (__ITER % 5 === 4) {
    think();
    group('stream', stream);
  }
  think();
}
