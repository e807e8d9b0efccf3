import type { Catalog } from '../catalog.js';
import type { AutoRollbacks } from '../deploy/auto-rollback.js';
import type { Freezes } from '../deploy/freezes.js';
import type { Rollbacks } from '../deploy/rollback.js';
import type { Suspects } from '../deploy/suspects.js';
import type { Actor } from '../incidents/events.js';
import type { Incidents } from '../incidents/service.js';
import type { Store } from '../store/unit-of-work.js';

/** What the `/deploy` command and the deploy buttons need. */
export interface DeploySlackServices {
  store: Store;
  catalog: Catalog;
  incidents: Incidents;
  freezes: Freezes;
  rollbacks: Rollbacks;
  autoRollbacks: AutoRollbacks;
  suspects: Suspects;
  /** A Slack user as an Actor, with the deployer user groups they belong to. */
  actorOf: (userId: string) => Promise<Actor>;
  policy: {
    defaultEnvironment: string;
    freezeDefaultMs: number;
    freezeMaxMs: number;
    /** Environment names from the config, to tell `/deploy freeze checkout staging 2h` apart. */
    environments: readonly string[];
  };
}
