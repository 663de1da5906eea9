// The shim's `k6` module: check, group, sleep, fail.
import { performance } from 'node:perf_hooks';

import { baseTags, blockFor, emit, state } from './runtime.mjs';

export function check(value, checks, tags = {}) {
  let all = true;
  for (const [name, predicate] of Object.entries(checks)) {
    const ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
    emit('checks', ok ? 1 : 0, { ...baseTags(), check: name, ...tags });
    all &&= ok;
  }
  return all;
}

export function group(name, fn) {
  if (name.includes('::')) throw new Error(`group name ${name} contains '::'`);
  const parent = state.group;
  state.group = `${parent}::${name}`;
  const start = performance.now();
  try {
    return fn();
  } finally {
    emit('group_duration', performance.now() - start, baseTags());
    state.group = parent;
  }
}

export function sleep(seconds) {
  blockFor(Number(seconds) * 1000);
}

export function fail(message = '') {
  throw new Error(message);
}

export default { check, group, sleep, fail };
