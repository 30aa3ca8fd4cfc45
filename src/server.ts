/** @module server — the Node entry point (`npm start`, bundled to `dist/server.js` for `node dist/server`). */
import "./runtime/node.ts"
