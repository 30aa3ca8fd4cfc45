# syntax=docker/dockerfile:1
# Fluxgate on Deno: same sources, same roles, `deno task start` (src/runtime/deno.ts).
#   docker build -f deploy/deno.Dockerfile -t fluxgate-deno:0.1.0 .
# deno.json's tasks call ./node_modules/.bin/deno (the npm devDependency); this image installs only the
# runtime dependencies and links that path to the image's own deno binary, so the task runs unchanged.
ARG NODE_IMAGE=node:20-slim
ARG DENO_IMAGE=denoland/deno:debian-2.9.5

# 1. prod-deps: runtime dependencies (nodeModulesDir "manual": Deno resolves bare imports from node_modules).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# 2. runtime: Deno runs the TypeScript sources directly, as the image's unprivileged `deno` user.
FROM ${DENO_IMAGE} AS runtime
ENV PORT=8080 \
    OUTPUT_PATH=/data/processed.log \
    LOG_FILE=/app/logs/app.log \
    DENO_NO_UPDATE_CHECK=1
WORKDIR /app
COPY --chown=deno:deno package.json deno.json tsconfig.json ./
COPY --from=prod-deps --chown=deno:deno /app/node_modules ./node_modules
COPY --chown=deno:deno src ./src
COPY --chown=deno:deno actors ./actors
RUN mkdir -p node_modules/.bin /data /app/logs \
 && ln -sf "$(command -v deno)" node_modules/.bin/deno \
 && chown -R deno:deno /data /app/logs node_modules/.bin
USER deno
# Type-check-free warm-up of the module graph into DENO_DIR, so the first start doesn't compile everything.
RUN deno cache src/runtime/deno.ts
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:' + (Deno.env.get('PORT') ?? '8080') + '/healthz').catch(() => null); Deno.exit(r?.ok ? 0 : 1)"]
CMD ["deno", "task", "start"]
