// The demo's last step: a follow-up typed in the channel becomes a GitHub issue, through the
// outbox, against the GitHub Issues emulator from test/ on loopback.
import type { GithubIssuesEmulator } from '../test/emulators/trackers/github-issues.js';

export const DEMO_TRACKER_TOKEN = 'demo-github-token-0123456789';
export const DEMO_TRACKER_REPO = 'acme/checkout';

/** The `followups.tracker` block of the demo's firebreak.yaml. */
export const demoTrackerConfig = (github: GithubIssuesEmulator) => `followups:
  tracker:
    kind: github
    repo: ${DEMO_TRACKER_REPO}
    token: ${DEMO_TRACKER_TOKEN}
    apiUrl: ${github.url}
    labels: [incident-followup]
`;

/** Adds a follow-up as `user` and prints the issue GitHub was asked to create. */
export async function demoFollowupToGithub(options: {
  github: GithubIssuesEmulator;
  command: (user: string, text: string) => Promise<void>;
  user: string;
  owner: string;
  step: (s: string) => void;
  dim: (s: string) => string;
}): Promise<void> {
  const { github, dim } = options;
  options.step('Dana adds a follow-up: it becomes an issue in GitHub (followups.tracker)');
  await options.command(
    options.user,
    `followup Add a canary stage to checkout deploys <@${options.owner}>`,
  );
  for (const issue of github.issues) {
    console.log(
      dim(`  GitHub: POST /repos/${issue.repo}/issues → 201 #${issue.number} “${issue.title}”`),
    );
    console.log(issue.body.replace(/^/gm, '  │ '));
    console.log(`  Issue: ${github.htmlUrl(issue)}`);
  }
}
