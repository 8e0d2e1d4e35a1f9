import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';

/**
 * What the event log records of the key vault's key-encryption keys (`encryption_keys`) and of their
 * rotations (`key_rotation_history`). The vault holds the keys and is the truth about them; these events
 * are its history, written by the commands that change it and by the process that re-wraps data keys.
 * Nothing here is key material.
 */
export type EncryptionKeyStatus = 'active' | 'retired' | 'destroyed';
const ORDER: readonly EncryptionKeyStatus[] = ['active', 'retired', 'destroyed'];

export type EncryptionKeyEvent =
  | {
      type: 'EncryptionKeyCreated';
      data: { keyId: string; keyType: 'key_encryption_key'; createdAt: string };
    }
  | { type: 'EncryptionKeyRetired'; data: { keyId: string; retiredAt: string } }
  | { type: 'EncryptionKeyDestroyed'; data: { keyId: string; destroyedAt: string } };

export type EncryptionKeyState =
  | { readonly exists: false }
  | { readonly exists: true; readonly keyId: string; readonly status: EncryptionKeyStatus };

/** Brings the log up to what the vault says of one key: the events it lacks, in order; none if it has them. */
export type EncryptionKeyCommand = {
  type: 'RecordEncryptionKey';
  keyId: string;
  status: EncryptionKeyStatus;
  at: string;
};

export function decideEncryptionKey(
  command: EncryptionKeyCommand,
  state: EncryptionKeyState,
): EncryptionKeyEvent[] {
  const { keyId, at } = command;
  const from = state.exists ? ORDER.indexOf(state.status) + 1 : 0;
  const to = ORDER.indexOf(command.status);
  const events: EncryptionKeyEvent[] = [];
  for (let step = from; step <= to; step += 1) {
    if (step === 0)
      events.push({
        type: 'EncryptionKeyCreated',
        data: { keyId, keyType: 'key_encryption_key', createdAt: at },
      });
    if (step === 1) events.push({ type: 'EncryptionKeyRetired', data: { keyId, retiredAt: at } });
    if (step === 2) events.push({ type: 'EncryptionKeyDestroyed', data: { keyId, destroyedAt: at } });
  }
  return events;
}

export function evolveEncryptionKey(
  state: EncryptionKeyState,
  event: EncryptionKeyEvent,
): EncryptionKeyState {
  switch (event.type) {
    case 'EncryptionKeyCreated':
      return { exists: true, keyId: event.data.keyId, status: 'active' };
    case 'EncryptionKeyRetired':
      return state.exists ? { ...state, status: 'retired' } : state;
    case 'EncryptionKeyDestroyed':
      return state.exists ? { ...state, status: 'destroyed' } : state;
  }
}

export const encryptionKeyDecider: Decider<EncryptionKeyCommand, EncryptionKeyEvent, EncryptionKeyState> = {
  decide: decideEncryptionKey,
  evolve: evolveEncryptionKey,
  initialState: { exists: false },
};

export type KeyRotationEvent =
  | {
      type: 'EncryptionKeyRotationStarted';
      data: { rotationId: string; oldKeyId: string; newKeyId: string; startedAt: string };
    }
  | {
      type: 'EncryptionKeyRotationCompleted';
      data: { rotationId: string; keysRewrapped: number; completedAt: string };
    };

export type KeyRotationState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly rotationId: string;
      readonly oldKeyId: string;
      readonly newKeyId: string;
      readonly completed: boolean;
    };

export type KeyRotationCommand =
  | { type: 'StartKeyRotation'; rotationId: string; oldKeyId: string; newKeyId: string; startedAt: string }
  | { type: 'CompleteKeyRotation'; keysRewrapped: number; completedAt: string };

export function decideKeyRotation(command: KeyRotationCommand, state: KeyRotationState): KeyRotationEvent[] {
  if (command.type === 'StartKeyRotation') {
    if (state.exists) return [];
    const { type: _type, ...data } = command;
    return [{ type: 'EncryptionKeyRotationStarted', data }];
  }
  if (!state.exists) refuse('NOT_FOUND', 'no such key rotation');
  if (state.completed) return [];
  return [
    {
      type: 'EncryptionKeyRotationCompleted',
      data: {
        rotationId: state.rotationId,
        keysRewrapped: command.keysRewrapped,
        completedAt: command.completedAt,
      },
    },
  ];
}

export function evolveKeyRotation(state: KeyRotationState, event: KeyRotationEvent): KeyRotationState {
  if (event.type === 'EncryptionKeyRotationStarted') return { exists: true, completed: false, ...event.data };
  return state.exists ? { ...state, completed: true } : state;
}

export const keyRotationDecider: Decider<KeyRotationCommand, KeyRotationEvent, KeyRotationState> = {
  decide: decideKeyRotation,
  evolve: evolveKeyRotation,
  initialState: { exists: false },
};
