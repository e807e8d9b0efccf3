#!/usr/bin/env node
// The demo's deploy backend: a real executable in kubectl's place, run by the `command`
// backend with execFile (never a shell). Prints what `kubectl rollout undo` would.
const [target = 'deployment/app', revision = ''] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write(`${target} rolled back (${revision})\n`);
