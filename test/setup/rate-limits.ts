/** Limits no functional suite reaches; set for every suite by the global setup. */
export const RATE_LIMITS_FOR_OTHER_SUITES = {
  RATE_LIMIT_LOGIN_ACCOUNT: '1000000',
  RATE_LIMIT_LOGIN_ADDRESS: '1000000',
  RATE_LIMIT_SIGNUP_ADDRESS: '1000000',
  RATE_LIMIT_USER: '100000000',
};

/** For an app under the service's own default limits: unsets the raised ones above. */
export const RATE_LIMIT_DEFAULTS: Record<string, undefined> = Object.fromEntries(
  Object.keys(RATE_LIMITS_FOR_OTHER_SUITES).map((name) => [name, undefined]),
);
