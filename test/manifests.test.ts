import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENV_NAMES } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const envKeys = (path: string) =>
  read(path)
    .split('\n')
    .map((line) => /^\s*#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((k): k is string => Boolean(k));

interface Container {
  args?: string[];
  ports: { name: string; containerPort: number }[];
  env: { name: string; value: string }[];
  envFrom: Record<string, { name: string }>[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}

function k8s() {
  const kustomization = parseAllDocuments(read('manifests/k8s/kustomization.yaml'))[0]?.toJS() as {
    resources: string[];
    configMapGenerator: { name: string; envs?: string[]; files?: string[] }[];
    secretGenerator: { name: string; envs: string[] }[];
  };
  const docs = kustomization.resources.flatMap((file) =>
    parseAllDocuments(read(`manifests/k8s/${file}`)).map((d) => {
      expect(d.errors, file).toEqual([]);
      return d.toJS() as { kind: string; spec: Record<string, unknown> };
    }),
  );
  return { kustomization, docs };
}

test('.env.example lists exactly the variables the bot reads', () => {
  expect(new Set(envKeys('.env.example'))).toEqual(new Set(ENV_NAMES));
});

test('the Deployment runs one replica with Recreate, probes /healthz and /readyz on the port the bot listens on', () => {
  const { docs } = k8s();
  const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as {
    spec: {
      replicas: number;
      strategy: { type: string };
      template: {
        spec: {
          containers: Container[];
          volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
        };
      };
    };
  };
  expect(deployment.spec.replicas).toBe(1);
  expect(deployment.spec.strategy.type).toBe('Recreate');
  const [container] = deployment.spec.template.spec.containers;
  if (!container) throw new Error('no container');
  const port = container.ports.find((p) => p.name === 'http');
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  expect(String(port?.containerPort)).toBe(env.PORT);
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  // The database lives on the claimed volume, the config file comes from the ConfigMap.
  const mount = (name: string) => container.volumeMounts.find((m) => m.name === name)?.mountPath;
  expect(env.DATABASE_PATH?.startsWith(`${mount('data')}/`)).toBe(true);
  expect(env.FIREBREAK_CONFIG?.startsWith(`${mount('config')}/`)).toBe(true);
  const claim = deployment.spec.template.spec.volumes.find((v) => v.name === 'data')
    ?.persistentVolumeClaim?.claimName;
  expect(
    docs.some(
      (d) =>
        d.kind === 'PersistentVolumeClaim' &&
        (d as unknown as { metadata: { name: string } }).metadata.name === claim,
    ),
  ).toBe(true);
  expect(container.args).toEqual(['serve']);
});

test('every variable the manifests set is one the bot reads, and the required ones are there', () => {
  const { docs, kustomization } = k8s();
  const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const inline = deployment.spec.template.spec.containers.flatMap((c) => c.env.map((e) => e.name));
  const fromFiles = [
    ...envKeys('manifests/k8s/firebreak.env.example'),
    ...envKeys('manifests/k8s/secrets.env.example'),
  ];
  for (const name of [...inline, ...fromFiles]) expect(ENV_NAMES, name).toContain(name);
  expect(fromFiles).toEqual(
    expect.arrayContaining(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'INGEST_TOKEN']),
  );
  // The generators read the files the examples describe.
  expect(kustomization.configMapGenerator.flatMap((g) => g.envs ?? [])).toEqual(['firebreak.env']);
  expect(kustomization.secretGenerator.flatMap((g) => g.envs)).toEqual(['secrets.env']);
  for (const file of ['firebreak.env.example', 'secrets.env.example', 'firebreak.yaml.example']) {
    expect(existsSync(join(ROOT, 'manifests/k8s', file))).toBe(true);
  }
});

test('the Dockerfile is multi-stage, ships the migrations, runs as non-root, and starts the built CLI', () => {
  const dockerfile = read('Dockerfile');
  expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
  expect(dockerfile).toMatch(/^COPY migrations \.\/migrations$/m);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/firebreak.js"\]/);
  expect(existsSync(join(ROOT, 'bin/firebreak.js'))).toBe(true);
  expect(read('bin/firebreak.js')).toContain('../dist/cli.js');
  // The image builds dist/ with the same script as `npm run build`, from the sources it copied.
  expect(JSON.parse(read('package.json')).scripts.build).toBe('node scripts/build.mjs');
  expect(dockerfile).toMatch(/^COPY scripts\/build\.mjs \.\/scripts\/build\.mjs$/m);
  expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
});
