/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

// The same build runs in the Wails window (served at /) and in a browser
// under /console/ (latchkey serve), so every asset path is relative.
//
// `npm run dev` proxies /console/api to a running `latchkey serve`
// (LATCHKEY_DEV_SERVER, default http://127.0.0.1:8421).
export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    // Keep dist/.gitkeep: Go embeds this folder and must compile without a build.
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/console/api': process.env.LATCHKEY_DEV_SERVER ?? 'http://127.0.0.1:8421',
    },
  },
  // Component tests mount Svelte in happy-dom, which needs Svelte's browser build.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
})
