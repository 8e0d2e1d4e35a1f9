import { certificateDecider, groupDecider, streamIds, userDecider } from '@certm3/domain';

/** The entities an auditor can ask about, with their streams and the domain's own `evolve`. */
export const ENTITY_KINDS = {
  user: { stream: streamIds.user, evolver: userDecider },
  group: { stream: streamIds.group, evolver: groupDecider },
  certificate: { stream: streamIds.certificate, evolver: certificateDecider },
} as const;

export type EntityKind = keyof typeof ENTITY_KINDS;

export function isEntityKind(kind: string): kind is EntityKind {
  return Object.prototype.hasOwnProperty.call(ENTITY_KINDS, kind);
}
