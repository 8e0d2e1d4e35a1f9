import { deciderSpec } from '../testing/decider-spec';
import { compromisedKeyDecider } from './compromised-key';

const { given } = deciderSpec(compromisedKeyDecider);
const block = (certificateId: string) =>
  ({
    type: 'BlockPublicKey',
    publicKeyFingerprint: 'ab'.repeat(32),
    certificateId,
    now: '2026-12-01T00:00:00.000Z',
  }) as const;

describe('a compromised public key', () => {
  it('is blocked by the first keyCompromise revocation, and the later ones add nothing', () => {
    const blocked = {
      type: 'PublicKeyBlocked',
      data: {
        publicKeyFingerprint: 'ab'.repeat(32),
        certificateId: 'first',
        blockedAt: '2026-12-01T00:00:00.000Z',
      },
    } as const;
    given([]).when(block('first')).then([blocked]);
    given([blocked]).when(block('second')).thenNothingHappens();
  });
});
