# syntax=docker/dockerfile:1
# Three stages: compile TypeScript with the dev toolchain; install production dependencies only;
# ship dist/ and those dependencies (no tsx, no TypeScript, no test tools), run as the unprivileged
# `node` user. Node 24 is an LTS line supported until April 2028 (Node 20 reached end of life in
# April 2026); the code itself still runs on Node >= 20, which CI uses. Override with
# --build-arg NODE_VERSION=22 if a platform needs another LTS.
#
# Behind a proxy or a private registry:
#   docker build --build-arg NPM_REGISTRY=https://npm.example.internal/ \
#                --build-arg NPM_CA_CERT="$(cat corporate-root-ca.pem)" .
# NPM_CA_CERT (PEM text, public by nature) is trusted by npm in the build stages only; it is not
# in the runtime image. HTTP_PROXY / HTTPS_PROXY are Docker's predefined build arguments.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS npm-base
ARG NPM_REGISTRY=https://registry.npmjs.org/
ARG NPM_CA_CERT=
ENV npm_config_registry=${NPM_REGISTRY} \
    npm_config_audit=false \
    npm_config_fund=false
WORKDIR /app
# An extra CA for npm when given; otherwise the system store only.
RUN if [ -n "$NPM_CA_CERT" ]; then printf '%s\n' "$NPM_CA_CERT" > /tmp/npm-ca.pem && npm config set cafile /tmp/npm-ca.pem --location=global; fi
COPY package.json package-lock.json ./

FROM npm-base AS build
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The operator console (/console): its sources, the build script and the examples it offers.
COPY console ./console
COPY scripts ./scripts
COPY examples ./examples
RUN npm run build

FROM npm-base AS production-deps
RUN npm ci --omit=dev && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json LICENSE ./
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# The slim image has no curl; Node's fetch does the probe. /health is liveness only.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself (close-with-grace drains in-flight solves).
CMD ["node", "dist/src/server.js"]
