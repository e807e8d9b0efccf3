/** What the channel is told about paging and PagerDuty; rendered by src/slack/blocks/paging.ts. */
export type PagingMessage =
  | { type: 'page_requested'; by: string; service: string }
  | { type: 'page_retrying'; service: string; reason: string }
  | {
      type: 'page_triggered';
      service: string;
      pdIncidentId: string | null;
      htmlUrl: string | null;
      assignees: string[];
      /** PagerDuty already had this page open: nothing new was paged. */
      existing: boolean;
    }
  | { type: 'page_failed'; service: string; reason: string }
  | {
      type: 'pagerduty_update';
      event: PagerDutyUpdate;
      pdIncidentId: string;
      htmlUrl: string | null;
      title: string;
      /** Who did it in PagerDuty, by name. */
      who: string | null;
      assignees: string[];
      /** Pages of this incident still open in PagerDuty (after this event). */
      openPages: number;
      autoResolved: boolean;
    }
  | {
      type: 'owner_from_pagerduty';
      ownerId: string;
      pagerUser: string;
      reason: 'on_call' | 'acknowledged' | 'assigned';
    };

export type PagerDutyUpdate =
  | 'triggered'
  | 'acknowledged'
  | 'escalated'
  | 'reassigned'
  | 'resolved';
