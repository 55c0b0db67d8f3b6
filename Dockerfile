# One image for every apptrail role; ROLES picks what a container runs.
# The web console is built in a stage of its own (Vite is a devDependency); only its files ship.
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY services/console ./services/console
RUN npx vite build --config services/console/vite.config.ts

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY shared ./shared
COPY services ./services
COPY tsconfig.json ./
COPY --from=console /app/dist/console ./dist/console
ENV HOST=0.0.0.0 NODE_ENV=production
USER node
CMD ["npx", "tsx", "services/main.ts"]
