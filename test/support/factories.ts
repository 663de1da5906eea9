import { randomUUID } from 'node:crypto';

import { ApiClient, ApiResponse } from './api-client';

export const PASSWORD = 'correct horse battery';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
  /** The login's refresh token (POST /auth/refresh). */
  refreshToken: string;
}

export async function signUpAndLogIn(api: ApiClient, email = uniqueEmail()): Promise<TestUser> {
  const signup = await api.post('/signup', { body: { email, password: PASSWORD } });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${signup.text}`);
  const login = await api.post('/login', { body: { email, password: PASSWORD } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    id: signup.body.id,
    email,
    token: login.body.token,
    refreshToken: login.body.refreshToken,
  };
}

/** A request body; loosely typed so tests can send what the API must refuse. */
export type AssetBody = Record<string, any>;

export const chartAsset = (overrides: AssetBody = {}): AssetBody => ({
  type: 'chart',
  name: 'Weekly active users',
  description: 'From the growth dashboard',
  x_axis: 'Week',
  y_axis: 'Users',
  data: [
    { x: '2026-W46', y: 1200 },
    { x: '2026-W47', y: 1350.5 },
    { x: 48, y: 0 },
  ],
  ...overrides,
});

export const insightAsset = (overrides: AssetBody = {}): AssetBody => ({
  type: 'insight',
  name: 'Social media habits',
  content: '40% of millennials spend more than 3 hours a day on social media',
  ...overrides,
});

export const audienceAsset = (overrides: AssetBody = {}): AssetBody => ({
  type: 'audience',
  name: 'Young UK shoppers',
  rules: {
    country: 'GB',
    gender: 'female',
    age_min: 18,
    age_max: 34,
    age_groups: ['18-24', '25-34'],
    social_media_hours_min: 2.5,
    purchases_last_month_min: 1,
  },
  ...overrides,
});

/** Asserts the status and that the body is an RFC 9457 problem with the given code. */
export function expectProblem(response: ApiResponse, status: number, code?: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      code: code ?? expect.any(String),
      requestId: response.headers.get('x-request-id'),
    }),
  );
}
