import { deciderSpec } from '../testing/decider-spec';
import {
  EncryptionKeyEvent,
  EncryptionKeyStatus,
  KeyRotationEvent,
  encryptionKeyDecider,
  keyRotationDecider,
} from './key-rotation';

const keyId = 'kek-1';
const at = '2026-12-01T00:00:00.000Z';
const created: EncryptionKeyEvent = {
  type: 'EncryptionKeyCreated',
  data: { keyId, keyType: 'key_encryption_key', createdAt: at },
};
const retired: EncryptionKeyEvent = { type: 'EncryptionKeyRetired', data: { keyId, retiredAt: at } };
const destroyed: EncryptionKeyEvent = { type: 'EncryptionKeyDestroyed', data: { keyId, destroyedAt: at } };
/** The log of a key the vault reports at each status. */
const logAt: Record<EncryptionKeyStatus, EncryptionKeyEvent[]> = {
  active: [created],
  retired: [created, retired],
  destroyed: [created, retired, destroyed],
};
const record = (status: EncryptionKeyStatus) => ({ type: 'RecordEncryptionKey', keyId, status, at }) as const;
const keys = deciderSpec(encryptionKeyDecider);

describe('encryption key record', () => {
  it('catches up from nothing with every event the key lacks, in order', () => {
    keys.given([]).when(record('destroyed')).then([created, retired, destroyed]);
    keys.given([]).when(record('active')).then([created]);
    keys.given([created]).when(record('destroyed')).then([retired, destroyed]);
    keys.given([created, retired]).when(record('destroyed')).then([destroyed]);
  });

  it('appends nothing for a key already at that status, and never goes backwards', () => {
    const statuses = Object.keys(logAt) as EncryptionKeyStatus[];
    statuses.forEach((recorded, index) => {
      for (const reported of statuses.slice(0, index + 1)) {
        keys.given(logAt[recorded]).when(record(reported)).thenNothingHappens();
      }
    });
  });
});

const rotationId = '44444444-4444-4444-8444-444444444444';
const start = {
  type: 'StartKeyRotation',
  rotationId,
  oldKeyId: 'kek-1',
  newKeyId: 'kek-2',
  startedAt: at,
} as const;
const started: KeyRotationEvent = {
  type: 'EncryptionKeyRotationStarted',
  data: { rotationId, oldKeyId: 'kek-1', newKeyId: 'kek-2', startedAt: at },
};
const complete = {
  type: 'CompleteKeyRotation',
  keysRewrapped: 12,
  completedAt: '2026-12-01T01:00:00.000Z',
} as const;
const completed: KeyRotationEvent = {
  type: 'EncryptionKeyRotationCompleted',
  data: { rotationId, keysRewrapped: 12, completedAt: '2026-12-01T01:00:00.000Z' },
};
const rotations = deciderSpec(keyRotationDecider);

describe('key rotation', () => {
  it('starts once; starting it again appends nothing', () => {
    rotations.given([]).when(start).then([started]);
    rotations.given([started]).when(start).thenNothingHappens();
    rotations.given([started, completed]).when(start).thenNothingHappens();
  });

  it('completes once, counting the data keys it re-wrapped', () => {
    rotations.given([started]).when(complete).then([completed]);
    rotations.given([started, completed]).when(complete).thenNothingHappens();
  });

  it('cannot complete before it starts', () => {
    rotations.given([]).when(complete).thenRefuses('NOT_FOUND');
  });
});
