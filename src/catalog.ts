/** What the core needs to know about one configured service. */
export interface ServiceEntry {
  readonly aliases: readonly string[];
  readonly owners: readonly string[];
  /** The service's runbook (services.<name>.runbook). */
  readonly runbook?: string;
  /** Steps people tick on the card (services.<name>.checklist). */
  readonly checklist?: readonly string[];
}

export interface ResolvedService {
  /** The configured name, or the sender's name (lowercased) when nothing matched. */
  service: string;
  known: boolean;
}

export interface Catalog {
  /** Maps a name from an alert label or a CI system (an alias, any case) to one service. */
  resolve(name: string): ResolvedService;
  owners(service: string): readonly string[];
  runbook(service: string): string | undefined;
  checklist(service: string): readonly string[];
  names(): readonly string[];
}

export function createCatalog(services: Readonly<Record<string, ServiceEntry>>): Catalog {
  const byName = new Map<string, string>();
  for (const [service, entry] of Object.entries(services)) {
    byName.set(service.toLowerCase(), service);
    for (const alias of entry.aliases) byName.set(alias.toLowerCase(), service);
  }
  return {
    resolve(name) {
      const key = name.trim().toLowerCase();
      const service = byName.get(key);
      return service ? { service, known: true } : { service: key, known: false };
    },
    owners: (service) => services[service]?.owners ?? [],
    runbook: (service) => services[service]?.runbook,
    checklist: (service) => services[service]?.checklist ?? [],
    names: () => Object.keys(services),
  };
}
