import { Decider } from '../shared/decider';

/**
 * A public key revoked for keyCompromise is never certified again (as Boulder blocks such keys): one stream
 * per key, by the SHA-256 of its SubjectPublicKeyInfo, that a request with that key reads and is refused by
 * — held at commit like every read, so a request racing the revocation is decided again and refused.
 */
export type CompromisedKeyEvent = {
  type: 'PublicKeyBlocked';
  data: { publicKeyFingerprint: string; certificateId: string; blockedAt: string };
};

export type CompromisedKeyState =
  | { readonly blocked: false }
  | { readonly blocked: true; readonly certificateId: string; readonly blockedAt: string };

export type CompromisedKeyCommand = {
  type: 'BlockPublicKey';
  publicKeyFingerprint: string;
  certificateId: string;
  now: string;
};

export const compromisedKeyDecider: Decider<CompromisedKeyCommand, CompromisedKeyEvent, CompromisedKeyState> =
  {
    initialState: { blocked: false },
    // Blocked once, by the first revocation that said so: the later ones add nothing.
    decide: (command, state) =>
      state.blocked
        ? []
        : [
            {
              type: 'PublicKeyBlocked',
              data: {
                publicKeyFingerprint: command.publicKeyFingerprint,
                certificateId: command.certificateId,
                blockedAt: command.now,
              },
            },
          ],
    evolve: (_state, event) => ({
      blocked: true,
      certificateId: event.data.certificateId,
      blockedAt: event.data.blockedAt,
    }),
  };
