# One image for every apptrail role; ROLES picks what a container runs.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY shared ./shared
COPY services ./services
COPY tsconfig.json ./
ENV HOST=0.0.0.0 NODE_ENV=production
USER node
CMD ["npx", "tsx", "services/main.ts"]
