// The PortLink console: built by `make build` into backend/portlink/console/, which `portlink serve` serves on
// the API's own origin. Every script, style and font comes from the pinned npm packages in package-lock.json.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../backend/portlink/console",
    emptyOutDir: true,
    target: "es2022",
    manifest: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite console` during development: the API runs on :8000 (`make run`).
    proxy: { "/v1": "http://127.0.0.1:8000", "/v2": "http://127.0.0.1:8000" },
  },
});
