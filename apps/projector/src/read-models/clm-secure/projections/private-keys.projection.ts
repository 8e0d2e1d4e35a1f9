import { Kysely } from 'kysely';
import { SealedPrivateKey } from '@certm3/domain';
import { DatabaseOf, ProjectedEvent, RowWriter } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { ClmSecureDatabase } from '../tables';
import { privateKeys } from '../tables/private-keys.table';

type PrivateKeysDatabase = DatabaseOf<[typeof privateKeys]>;

function sealedKey(
  event: ProjectedEvent<unknown>,
  rows: RowWriter<PrivateKeysDatabase>,
  certificateId: string,
  key: SealedPrivateKey,
  algorithm: string,
) {
  const { occurredAt } = stampOf(event);
  return [
    rows.insert('private_keys', {
      id: key.dataKeyId,
      certificate_id: certificateId,
      encrypted_key_material: key.ciphertext,
      data_key_id: key.dataKeyId,
      encryption_key_id: key.keyEncryptionKeyId ?? null,
      key_algorithm: algorithm,
      created_at: occurredAt,
      updated_at: occurredAt,
    }),
  ];
}

/**
 * The sealed keys certm3 made: a server-side key of an issued certificate (a CSR's key stays with its
 * requester: no row), an authority's key from its creation or preparation. Destruction drops the
 * ciphertext; a completed rotation of the key-encryption key moves every live key the vault re-wrapped —
 * those under the rotation's old key or an older one, and those sealed before the events named their key —
 * to the new key.
 */
export const privateKeysProjection = defineProjection({
  name: 'private_keys',
  tables: [privateKeys],
  handlers: {
    CertificateIssued: (event, rows) => {
      const { certificateId, privateKey } = event.data;
      return privateKey ? sealedKey(event, rows, certificateId, privateKey, privateKey.algorithm) : [];
    },
    CertificateAuthorityCreated: (event, rows) =>
      sealedKey(event, rows, event.data.caId, event.data.privateKey, event.data.keyAlgorithm),
    CertificateAuthorityPrepared: (event, rows) =>
      sealedKey(event, rows, event.data.caId, event.data.privateKey, event.data.keyAlgorithm),
    PrivateKeyDestroyed: (event, rows) => {
      const { occurredAt } = stampOf(event);
      return [
        rows.update(
          'private_keys',
          { id: event.data.dataKeyId },
          { encrypted_key_material: null, destroyed_at: occurredAt, updated_at: occurredAt },
        ),
      ];
    },
    EncryptionKeyRotationCompleted: (event, rows) => {
      const { occurredAt } = stampOf(event);
      const { rotationId } = event.data;
      // Reads the model's other tables as the earlier events of the batch left them (nothing is merged
      // across a statement of its own); the writer's kysely puts every table in the batch's schema.
      const db = rows.db as unknown as Kysely<ClmSecureDatabase>;
      return [
        rows.statement(
          db
            .updateTable('private_keys')
            .set((eb) => ({
              encryption_key_id: eb
                .selectFrom('key_rotation_history')
                .select('new_key_id')
                .where('rotation_id', '=', rotationId),
              updated_at: occurredAt,
            }))
            .where('destroyed_at', 'is', null)
            .where(({ exists, selectFrom }) =>
              exists(
                selectFrom('key_rotation_history as r')
                  .leftJoin('encryption_keys as old', 'old.key_id', 'r.old_key_id')
                  .select('r.rotation_id')
                  .where('r.rotation_id', '=', rotationId)
                  .whereRef('private_keys.encryption_key_id', 'is distinct from', 'r.new_key_id')
                  .where((eb) =>
                    eb.or([
                      eb('private_keys.encryption_key_id', '=', eb.ref('r.old_key_id')),
                      eb(
                        'private_keys.encryption_key_id',
                        'in',
                        eb
                          .selectFrom('encryption_keys as k')
                          .select('k.key_id')
                          .whereRef('k.created_at', '<', 'old.created_at')
                          .whereRef('k.key_id', '<>', 'r.new_key_id'),
                      ),
                      eb.and([
                        eb('private_keys.encryption_key_id', 'is', null),
                        eb('private_keys.created_at', '<=', eb.ref('r.started_at')),
                      ]),
                    ]),
                  ),
              ),
            ),
        ),
      ];
    },
  },
});
