/** Limits of the protocol (protocol.md). */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 10,
  passwordMax: 128,
  displayNameMax: 64,
  groupNameMax: 64,
  textMax: 4000,
  clientMsgIdMax: 128,
  searchQueryMax: 64,
  searchLimitMax: 50,
  searchLimitDefault: 20,
  historyLimitMax: 100,
  /** v1.1 message:search. */
  messageSearchQueryMax: 200,
  messageSearchLimitMax: 50,
  messageSearchLimitDefault: 20,
  /** v1.1 reactions: bytes of UTF-8 of one emoji, distinct emoji on one message. */
  emojiMaxBytes: 32,
  reactionsPerMessage: 20,
  historyLimitDefault: 50,
  /** v1.1 files: attachments of one message, characters of a file name. */
  attachmentsPerMessage: 10,
  fileNameMax: 255,
  /** Extension: members named in one group:create or group:addMembers. */
  groupMembersPerCall: 1000,
  /** Extension: user ids in one user:get. */
  userGetMax: 100,
  /** Extension: members of one group. */
  groupMembersMax: 5000,
  /** Typing lapses after this long without renewal. */
  typingTtlMs: 5000,
  /** Presence: grace after the last socket closes before the user is offline. */
  presenceGraceMs: 5000,
} as const;
