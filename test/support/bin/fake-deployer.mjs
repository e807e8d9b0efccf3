#!/usr/bin/env node
// A real executable standing in for kubectl/helm in the `command` backend tests.
//   fake-deployer.mjs --record <file> [--env-to <file>] [--exit <code>] [--sleep <ms>] [--say <text>] -- <args…>
// Appends its arguments (after --) as one JSON line to <file>, writes its environment as JSON to
// the --env-to file, prints, waits, exits.
import { appendFileSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const options = {};
while (argv.length > 0 && argv[0] !== '--') {
  const flag = argv.shift();
  options[flag.replace(/^--/, '')] = argv.shift();
}
argv.shift();
if (options.record) appendFileSync(options.record, `${JSON.stringify(argv)}\n`);
if (options['env-to']) writeFileSync(options['env-to'], JSON.stringify(process.env));
process.stdout.write(`${options.say ?? `deployment.apps/${argv.at(-1) ?? 'x'} rolled back`}\n`);
if (options.sleep) await new Promise((r) => setTimeout(r, Number(options.sleep)));
if (options.exit && options.exit !== '0') {
  process.stderr.write(`error: rollout failed (exit ${options.exit})\n`);
  process.exit(Number(options.exit));
}
