#!/usr/bin/env node
// Runs the built CLI (the bundle in dist/), or the TypeScript sources through tsx when nothing
// is built yet.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(built)) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(
  existsSync(built) ? built.href : new URL('../src/cli.ts', import.meta.url).href
);
await main(process.argv.slice(2));
