// Bundles the Node entry into dist/server.js so `node dist/server` starts fast
// (one file, no barrel re-exports to resolve) and tsc keeps only type-checking.
import { build } from "esbuild"

await build({
  entryPoints: ["src/server.ts"],
  outfile: "dist/server.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "info"
})
