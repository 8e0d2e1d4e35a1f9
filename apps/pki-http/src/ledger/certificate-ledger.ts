import {
  CaKeyAlgorithm,
  CRL_REASON_CODES,
  DistinguishedName,
  EventOfType,
  EventType,
  RevocationRequestReason,
  SealedPrivateKey,
  upcastEventData,
} from '@certm3/domain';
import { GlobalPosition, RecordedEvent } from '@certm3/event-store';
import { encodeCrlEntry } from '@certm3/pki';

/**
 * What the PKI read side knows of the log, in memory: each certm3 authority (its certificate and sealed key)
 * and each certificate it issued, by serial, with its revocation status — fed by every event from the start
 * of the log, in order. Imported certificates (CertificateRegistered) are not issued by a certm3 CA and are
 * left out, as are their revocations. Pure: no I/O, so it is tested on events alone.
 */

export interface Authority {
  readonly caId: string;
  readonly name: string;
  readonly subject: DistinguishedName;
  readonly keyAlgorithm: CaKeyAlgorithm;
  readonly privateKey: SealedPrivateKey;
  /** null while it waits for an offline parent to sign it (CertificateAuthorityPrepared). */
  readonly certificatePem: string | null;
  readonly notAfter: string | null;
  readonly disabled: boolean;
}

export type RevocationStatus =
  | { readonly status: 'good' }
  | {
      readonly status: 'revoked' | 'held';
      readonly revokedAt: Date;
      /** RFC 5280 code; certificateHold (6) for a hold. */
      readonly reasonCode: number;
      readonly invalidityDate?: Date;
    };

export interface CertificateRecord {
  readonly certificateId: string;
  readonly caId: string;
  /** Unsigned big-endian, no leading zero bytes; its hex is the ledger's key. */
  readonly serialNumber: Buffer;
  readonly notAfter: number;
  revocation: RevocationStatus;
  /** Bumped at every change of `revocation`: what cached OCSP answers are checked against. */
  version: number;
  /** The CRL entry, encoded once when it is revoked or held; undefined while good. */
  crlEntry: Buffer | undefined;
}

/** One authority's certificates, and those of them a CRL lists. */
export class AuthorityLedger {
  readonly bySerial = new Map<string, CertificateRecord>();
  /** Revoked or held, in the order they were: what a CRL lists (before expired ones are dropped). */
  readonly listed = new Map<string, CertificateRecord>();

  constructor(public authority: Authority) {}
}

export type LedgerChange =
  | { readonly kind: 'authority'; readonly caId: string }
  /** A certificate issued (good: no CRL lists it), or revoked, held or released (what a CRL lists changed). */
  | { readonly kind: 'issued' | 'revocation'; readonly caId: string; readonly record: CertificateRecord };

/** A serial number as the ledger keys it: lower-case hex of its bytes without leading zeros. */
export function serialKey(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start).toString('hex');
}

export class CertificateLedger {
  readonly authorities = new Map<string, AuthorityLedger>();
  private readonly byCertificateId = new Map<string, CertificateRecord>();
  /** The last event applied: what the ledger knows of the log. */
  position: GlobalPosition | undefined;
  private versions = 0;

  certificates(): number {
    return this.byCertificateId.size;
  }

  /** Applies one event of the log; says what changed, if anything a CRL or an OCSP answer shows. */
  apply(event: RecordedEvent): LedgerChange | undefined {
    this.position = event.position;
    switch (event.type) {
      case 'CertificateAuthorityCreated': {
        const data = this.data<'CertificateAuthorityCreated'>(event);
        return this.setAuthority({
          ...authorityOf(data),
          certificatePem: data.certificatePem,
          notAfter: data.notAfter,
        });
      }
      case 'CertificateAuthorityPrepared':
        // Signed offline: no certificate until CertificateAuthorityActivated brings it.
        return this.setAuthority({
          ...authorityOf(this.data<'CertificateAuthorityPrepared'>(event)),
          certificatePem: null,
          notAfter: null,
        });
      case 'CertificateAuthorityActivated': {
        const data = this.data<'CertificateAuthorityActivated'>(event);
        const known = this.authorities.get(data.caId);
        if (!known) return undefined;
        return this.setAuthority({
          ...known.authority,
          certificatePem: data.certificatePem,
          notAfter: data.notAfter,
        });
      }
      case 'CertificateAuthorityDisabled': {
        const known = this.authorities.get(this.data<'CertificateAuthorityDisabled'>(event).caId);
        if (!known) return undefined;
        return this.setAuthority({ ...known.authority, disabled: true });
      }
      case 'CertificateIssued': {
        const data = this.data<'CertificateIssued'>(event);
        const ledger = this.authorities.get(data.caId);
        if (!ledger) return undefined;
        const serialNumber = Buffer.from(serialKey(Buffer.from(data.serialNumber, 'hex')), 'hex');
        const record: CertificateRecord = {
          certificateId: data.certificateId,
          caId: data.caId,
          serialNumber,
          notAfter: Date.parse(data.notAfter),
          revocation: { status: 'good' },
          version: ++this.versions,
          crlEntry: undefined,
        };
        ledger.bySerial.set(serialNumber.toString('hex'), record);
        this.byCertificateId.set(data.certificateId, record);
        return { kind: 'issued', caId: data.caId, record };
      }
      case 'CertificateRevoked': {
        const data = this.data<'CertificateRevoked'>(event);
        const record = this.byCertificateId.get(data.certificateId);
        if (!record) return undefined;
        // A hold made final keeps the hold's date: the certificate has not been good since then.
        const held = record.revocation.status === 'held' ? record.revocation : undefined;
        return this.revoke(record, {
          status: 'revoked',
          revokedAt: held?.revokedAt ?? new Date(data.revokedAt),
          reasonCode: reasonCodeOf(data.reason),
          invalidityDate: dateOrUndefined(data.invalidityDate) ?? held?.invalidityDate,
        });
      }
      case 'CertificateSuspended': {
        const data = this.data<'CertificateSuspended'>(event);
        const record = this.byCertificateId.get(data.certificateId);
        if (!record) return undefined;
        return this.revoke(record, {
          status: 'held',
          revokedAt: new Date(data.suspendedAt),
          reasonCode: CRL_REASON_CODES.certificateHold,
          invalidityDate: dateOrUndefined(data.invalidityDate),
        });
      }
      case 'CertificateHoldReleased': {
        const record = this.byCertificateId.get(this.data<'CertificateHoldReleased'>(event).certificateId);
        if (!record || record.revocation.status !== 'held') return undefined;
        return this.revoke(record, { status: 'good' });
      }
      default:
        // CertificateExpired changes nothing here: an entry leaves the CRL by its notAfter (crl-publisher).
        return undefined;
    }
  }

  /** The event's data in its current shape (a version-1 CertificateRevoked gets its revokedAt). */
  private data<T extends EventType>(event: RecordedEvent): EventOfType<T>['data'] {
    return upcastEventData(event.type, event.data, event.metadata) as unknown as EventOfType<T>['data'];
  }

  private setAuthority(authority: Authority): LedgerChange {
    const known = this.authorities.get(authority.caId);
    if (known) known.authority = authority;
    else this.authorities.set(authority.caId, new AuthorityLedger(authority));
    return { kind: 'authority', caId: authority.caId };
  }

  private revoke(record: CertificateRecord, revocation: RevocationStatus): LedgerChange {
    const ledger = this.authorities.get(record.caId)!;
    const key = record.serialNumber.toString('hex');
    record.revocation = revocation;
    record.version = ++this.versions;
    if (revocation.status === 'good') {
      record.crlEntry = undefined;
      ledger.listed.delete(key);
    } else {
      record.crlEntry = encodeCrlEntry({
        serialNumber: record.serialNumber,
        revocationDate: revocation.revokedAt,
        reasonCode: revocation.reasonCode,
        invalidityDate: revocation.invalidityDate,
      });
      ledger.listed.set(key, record);
    }
    return { kind: 'revocation', caId: record.caId, record };
  }
}

function authorityOf(
  data: Pick<Authority, 'caId' | 'name' | 'subject' | 'keyAlgorithm' | 'privateKey'>,
): Omit<Authority, 'certificatePem' | 'notAfter'> {
  const { caId, name, subject, keyAlgorithm, privateKey } = data;
  return { caId, name, subject, keyAlgorithm, privateKey, disabled: false };
}

function reasonCodeOf(reason: RevocationRequestReason): number {
  return CRL_REASON_CODES[reason] ?? CRL_REASON_CODES.unspecified;
}

function dateOrUndefined(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}
