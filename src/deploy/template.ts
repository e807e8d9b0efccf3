import { AppError } from '../errors.js';
import type { RollbackRequest } from './backend.js';

// `{{name}}` placeholders in command argv and workflow inputs. Only these names exist, and each
// value must match its rule before anything runs: a deploy event is outside input, and a
// version like `v1;rm -rf /` or `--kubeconfig=/x` must never reach a command line.

const DNS_1123 = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const SHA = /^[0-9a-f]{7,64}$/;
const NUMBER = /^\d{1,12}$/;

interface Variable {
  rule: RegExp;
  says: string;
  value: (r: RollbackRequest) => string | null | undefined;
}

const VARIABLES: Readonly<Record<string, Variable>> = {
  service: { rule: DNS_1123, says: 'a DNS-1123 name', value: (r) => r.service },
  environment: { rule: DNS_1123, says: 'a DNS-1123 name', value: (r) => r.environment },
  version: { rule: VERSION, says: 'a version or tag', value: (r) => r.to.version },
  sha: { rule: SHA, says: 'a hex commit SHA', value: (r) => r.to.sha },
  revision: { rule: NUMBER, says: 'a numeric revision', value: (r) => r.to.handle.revision },
  history_id: { rule: NUMBER, says: 'a numeric history id', value: (r) => r.to.handle.historyId },
  from_version: { rule: VERSION, says: 'a version or tag', value: (r) => r.from?.version },
  from_sha: { rule: SHA, says: 'a hex commit SHA', value: (r) => r.from?.sha },
  incident: {
    rule: NUMBER,
    says: 'an incident number',
    value: (r) => (r.incidentId === null ? null : String(r.incidentId)),
  },
  rollback_id: { rule: NUMBER, says: 'a number', value: (r) => String(r.rollbackId) },
};

export const TEMPLATE_VARIABLES = Object.keys(VARIABLES);

const PLACEHOLDER = /\{\{\s*([a-zA-Z_]+)\s*\}\}/g;

/** The placeholders a template uses that do not exist; checked when the config is loaded. */
export function unknownVariables(templates: readonly string[]): string[] {
  const unknown = new Set<string>();
  for (const t of templates)
    for (const [, name = ''] of t.matchAll(PLACEHOLDER))
      if (!(name in VARIABLES)) unknown.add(name);
  return [...unknown];
}

/** Fills one template; refuses (AppError 'invalid') a missing or malformed value by name. */
export function fill(template: string, request: RollbackRequest): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const variable = VARIABLES[name];
    if (!variable) throw new AppError('invalid', `The rollback template uses unknown {{${name}}}.`);
    const value = variable.value(request);
    if (value === null || value === undefined || value === '') {
      throw new AppError(
        'invalid',
        `Cannot roll back ${request.service}/${request.environment} to ${request.to.version}: the target deploy has no ${name}, which the configured rollback needs.`,
      );
    }
    if (!variable.rule.test(value)) {
      throw new AppError(
        'invalid',
        `Refused before running anything: ${name} "${value.slice(0, 80)}" is not ${variable.says}.`,
      );
    }
    return value;
  });
}
