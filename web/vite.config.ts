import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` serves the page on :5173 and forwards the HTTP API to a product running on :5000.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // no inline scripts or styles: the page runs under script-src 'self'; style-src 'self'
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    // mqtt.js brings its own Buffer and stream polyfills: ~340 kB of the bundle
    chunkSizeWarningLimit: 800,
    // two pages: the chat at / and the voice companion at /voice.html
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        voice: resolve(import.meta.dirname, 'voice.html'),
      },
      // React and mqtt.js, shared by both pages; the Markdown libraries only the chat page loads
      output: {
        manualChunks: (id: string) =>
          /node_modules\/(markdown-it|dompurify|highlight\.js|linkify-it|mdurl|uc\.micro|punycode\.js|entities)\//.test(id)
            ? 'markdown'
            : id.includes('node_modules')
              ? 'vendor'
              : undefined,
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:5000' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
