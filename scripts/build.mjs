// `npm run build`: the bot as one ES module bundle in dist/ (plus a lazily loaded chunk for Bolt),
// so a start loads a few files instead of some three hundred modules (bench/startup.ts).
// Type checking is `npm run typecheck`; this only translates and bundles.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
rmSync(new URL('dist', root), { recursive: true, force: true });
await build({
  absWorkingDir: root.pathname,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true, // `import('./slack/bolt.js')` stays a separate chunk, loaded on first use
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // A native addon: it stays in node_modules and is loaded from there.
  external: ['better-sqlite3'],
  // Some bundled dependencies are CommonJS and require Node's built-ins at run time.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
