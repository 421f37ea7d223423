# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
# Where compose.yaml mounts the worker's outcome spool (RESULT_SPOOL_DIR): a new volume takes
# this folder's mode, so the node user can write there.
RUN mkdir -m 1777 results
USER node
EXPOSE 3000
# SCRIPT_CWD defaults to /app; point it at your production app (mounted or baked in) so
# scripts resolve its packages and files.
CMD ["node", "dist/bin/cli.js", "start"]
