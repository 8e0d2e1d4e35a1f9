import { DatabaseOf } from '@certm3/projection';
import { certificateRequests } from './certificate-requests.table';
import { certificateRevocations } from './certificate-revocations.table';
import { certificates } from './certificates.table';
import { encryptionKeys } from './encryption-keys.table';
import { keyRotationHistory } from './key-rotation-history.table';
import { privateKeys } from './private-keys.table';
import { secureAuditLog } from './secure-audit-log.table';

export {
  certificateRequests,
  certificateRevocations,
  certificates,
  encryptionKeys,
  keyRotationHistory,
  privateKeys,
  secureAuditLog,
};

/** The clm_secure tables as kysely sees them, inferred from their definitions. */
export type ClmSecureDatabase = DatabaseOf<
  [
    typeof encryptionKeys,
    typeof keyRotationHistory,
    typeof certificates,
    typeof certificateRevocations,
    typeof privateKeys,
    typeof certificateRequests,
    typeof secureAuditLog,
  ]
>;
