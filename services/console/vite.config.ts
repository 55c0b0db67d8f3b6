import { defineConfig } from 'vite';

/**
 * The console's build: a static bundle under dist/console (git-ignored), served by the API role
 * at /console/ (services/api/console.ts). Everything it loads comes from there: no CDN, no web
 * fonts, no inline script (the CSP forbids it), hashed file names so assets can be cached forever.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  // Preact's automatic JSX runtime, matching tsconfig.json's jsxImportSource.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script; every browser the console targets has modulepreload.
    modulePreload: { polyfill: false },
    // A small asset inlined as a data: URL would need a laxer CSP for no gain.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    sourcemap: false,
  },
  logLevel: 'warn',
});
