import type { IncidentListener } from '../incidents/events.js';
import type { Freezes } from './freezes.js';
import type { Suspects } from './suspects.js';

/**
 * How deploys follow incidents, inside the transaction that changed the incident: an opened
 * incident gets its suspect deploys; a resolved one is offered to lift its freezes.
 */
export function deployListener(deps: { suspects: Suspects; freezes: Freezes }): IncidentListener {
  return async (tx, event) => {
    switch (event.type) {
      case 'opened':
        await deps.suspects.onOpened(tx, event.incident);
        return;
      case 'resolved':
        await deps.freezes.offerLift(tx, event.incident.id, event.at);
        return;
      default:
        return;
    }
  };
}
