import {
  EncryptionKeyStatus,
  encryptionKeyDecider,
  keyRotationDecider,
  refuse,
  streamIds,
  SYSTEM_ACTOR_ID,
} from '@certm3/domain';
import { defineCommand } from '@certm3/contracts';
import { KeyStillInUseError, KeyVaultError, Rotation } from '@certm3/key-vault';
import { CommandDefinition, defineCommandHandler } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';

/** The vault's view of one key-encryption key, as the log should record it. */
export interface VaultKeyRecord {
  readonly keyId: string;
  readonly status: EncryptionKeyStatus;
  readonly at: string;
}

async function recordKey(session: StreamSession, key: VaultKeyRecord): Promise<number> {
  const stream = await session.load(streamIds.encryptionKey(key.keyId), encryptionKeyDecider);
  return session.append(
    stream,
    encryptionKeyDecider.decide({ type: 'RecordEncryptionKey', ...key }, stream.state),
  );
}

async function recordRotation(session: StreamSession, rotation: Rotation): Promise<number> {
  const stream = await session.load(streamIds.keyRotation(rotation.rotationId), keyRotationDecider);
  let revision = session.append(
    stream,
    keyRotationDecider.decide(
      {
        type: 'StartKeyRotation',
        rotationId: rotation.rotationId,
        oldKeyId: rotation.oldKeyId,
        newKeyId: rotation.newKeyId,
        startedAt: rotation.startedAt,
      },
      stream.state,
    ),
  );
  if (rotation.completedAt) {
    const started = await session.load(streamIds.keyRotation(rotation.rotationId), keyRotationDecider);
    revision = session.append(
      started,
      keyRotationDecider.decide(
        { type: 'CompleteKeyRotation', keysRewrapped: rotation.rewrapped, completedAt: rotation.completedAt },
        started.state,
      ),
    );
  }
  return revision;
}

/** Key-encryption keys this instance saw recorded in the log: a recorded key stays recorded. */
const recordedKeys = new Set<string>();

/**
 * Records the key-encryption key a secret was just sealed under, in the same commit, if the log does not
 * know it yet (the vault was unreachable when the instance started, or another instance's rotation made it):
 * every event naming a key comes after the key's own record. One read per key and instance.
 */
export async function recordSealingKey(
  session: StreamSession,
  keyId: string | undefined,
  at: string,
): Promise<void> {
  if (!keyId || recordedKeys.has(keyId)) return;
  const stream = await session.load(streamIds.encryptionKey(keyId), encryptionKeyDecider);
  if (stream.state.exists) {
    recordedKeys.add(keyId);
    return;
  }
  session.append(
    stream,
    encryptionKeyDecider.decide({ type: 'RecordEncryptionKey', keyId, status: 'active', at }, stream.state),
  );
}

export const KEY_COMMAND_DEFINITIONS = {
  RotateEncryptionKey: defineCommandHandler('RotateEncryptionKey', {
    prepare: ({ context }) => derivedId(context.commandId, 'rotation'),
    target: ({ prepared }) => ({ type: 'encryption_key', id: prepared }),
    decide: async ({ prepared: rotationId, session, services }) => {
      // The vault rotates once per rotation id: a command decided again finds the rotation it made.
      const rotation = await services.keyVault().rotate(rotationId);
      await recordKey(session, { keyId: rotation.newKeyId, status: 'active', at: rotation.startedAt });
      const revision = await recordRotation(session, { ...rotation, completedAt: null });
      services.keyRotation?.wake();
      return {
        id: rotationId,
        revision,
        oldKeyId: rotation.oldKeyId,
        newKeyId: rotation.newKeyId,
      };
    },
  }),

  DestroyEncryptionKey: defineCommandHandler('DestroyEncryptionKey', {
    target: ({ body }) => ({ type: 'encryption_key', id: body.keyId }),
    reads: ({ body }) => [streamIds.encryptionKey(body.keyId)],
    decide: async ({ body, session, services }) => {
      try {
        // Destroyed before the fact is recorded: a crash in between leaves it gone, and a retry records it.
        await services.keyVault().destroyKeyEncryptionKey(body.keyId);
      } catch (error) {
        if (error instanceof KeyStillInUseError)
          refuse('KEY_STILL_IN_USE', error.message, [{ keyId: body.keyId }]);
        if (error instanceof KeyVaultError && !(error instanceof KeyStillInUseError))
          refuse('NOT_FOUND', 'no such key-encryption key', [{ keyId: body.keyId }]);
        throw error;
      }
      const revision = await recordKey(session, { keyId: body.keyId, status: 'destroyed', at: session.now });
      return { id: body.keyId, revision };
    },
  }),
};

/**
 * Not a command of the bus: the key rotation process runs it to bring the log up to what the vault says
 * (keys created, retired, destroyed; rotations started and completed), as the system actor. Every stream
 * only gains the events it lacks, so instances doing it at once, or a process doing it again after a crash,
 * record each fact once.
 */
export const RECORD_KEY_VAULT_STATE = defineCommand({
  name: 'RecordKeyVaultState',
  summary: 'Records in the log the key vault’s key-encryption keys and rotations it does not show yet.',
  actor: 'none',
  permission: {
    unauthenticated:
      'run by the command API’s key rotation process itself, as the system actor; never over NATS',
  },
  body: {},
  refusals: [],
});

export interface KeyVaultState {
  readonly keys: readonly VaultKeyRecord[];
  readonly rotations: readonly Rotation[];
}

export const recordKeyVaultStateDefinition = {
  contract: RECORD_KEY_VAULT_STATE,
  actingUser: () => SYSTEM_ACTOR_ID,
  prepare: ({ body }: { body: KeyVaultState }) => body,
  reads: ({ prepared }: { prepared: KeyVaultState }) => [
    ...prepared.keys.map((key) => streamIds.encryptionKey(key.keyId)),
    ...prepared.rotations.map((rotation) => streamIds.keyRotation(rotation.rotationId)),
  ],
  decide: async ({ prepared, session }: { prepared: KeyVaultState; session: StreamSession }) => {
    for (const key of prepared.keys) await recordKey(session, key);
    for (const rotation of prepared.rotations) await recordRotation(session, rotation);
    return { id: SYSTEM_ACTOR_ID, revision: 0 };
  },
} as unknown as CommandDefinition;
