// A stateful Slack Web API + Socket Mode emulator over real HTTP, for tests and demos.
// Nothing under here imports vitest: plain `npx tsx` scripts use it too.
export { validateMessageBlocks, validateView } from './slack/block-kit.js';
export { channelNameError } from './slack/conversations.js';
export type {
  Bookmark,
  CallRecord,
  EmulatedChannel,
  EmulatedFile,
  EmulatedMessage,
  EmulatedUser,
  EmulatedView,
  EmulatorState,
  EphemeralMessage,
  RateLimitHit,
  ResponseUrlPost,
  SlackResult,
} from './slack/model.js';
export type {
  Fault,
  SeedChannel,
  SeedMessage,
  SeedUser,
  SlackEmulator,
  SlackEmulatorOptions,
} from './slack/server.js';
export { startSlackEmulator } from './slack/server.js';
export type { EnvelopeType, SocketEnvelope } from './slack/socket-mode.js';
