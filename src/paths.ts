import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own files (the migrations, the Slack manifest), found from wherever this code
 * runs: src/ (tsx, tests), the bundle in dist/, or an image that copied both. The package root
 * is the nearest directory up with a package.json.
 */
export function packagePath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('firebreak: cannot find its package.json above its code');
    dir = up;
  }
  return join(dir, ...parts);
}
