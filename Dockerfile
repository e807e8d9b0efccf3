# syntax=docker/dockerfile:1
# Multi-stage: compile better-sqlite3 and bundle the TypeScript once, ship only what runs, as non-root.

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
# npm ci also bundles the TypeScript into dist/ (the prepare script), so the sources come first.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_PATH=/data/firebreak.db \
    FIREBREAK_CONFIG=/config/firebreak.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Migrations are applied at start-up; they must ship with the code.
COPY migrations ./migrations
# firebreak doctor compares the granted Slack scopes with the manifest.
COPY manifests/slack-app.yaml ./manifests/slack-app.yaml
# The database directory is the bot user's only (the files in it are created 0600).
RUN mkdir -p /data /config && chown -R node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/firebreak.js"]
CMD ["serve"]
