// Module resolution hooks for the k6 shim: the script's `k6`, `k6/http` and `k6/metrics` imports
// load the shim's modules. Registered by vu.mjs in each worker.
const MODULES = {
  k6: './k6.mjs',
  'k6/http': './k6-http.mjs',
  'k6/metrics': './k6-metrics.mjs',
};

export function resolve(specifier, context, nextResolve) {
  if (specifier in MODULES) {
    return { url: new URL(MODULES[specifier], import.meta.url).href, shortCircuit: true };
  }
  if (specifier.startsWith('k6/')) {
    throw new Error(`the k6 shim does not implement ${specifier}`);
  }
  return nextResolve(specifier, context);
}
