import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { sameJson } from '../shared/same-json';
import {
  CertificateDescription,
  CertificateEvent,
  CertificateFacts,
  EXPIRY_REMINDER_DAYS,
  ExpiryReminderDays,
  RevocationRequestReason,
  StoredPrivateKey,
} from './certificate.events';

/** Seed 001's certificate statuses but `pending` (a request's, or a notBefore ahead: read models show it). */
export type CertificateStatus = 'active' | 'expiring' | 'suspended' | 'revoked' | 'expired';

const DAY = 86_400_000;

export type CertificateState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly certificateId: string;
      readonly userId: string;
      readonly status: CertificateStatus;
      readonly notBefore: string;
      readonly notAfter: string;
      readonly serialNumber: string;
      /** The request it was issued for (null: imported). */
      readonly requestId: string | null;
      /** Issued by a certm3 authority (else imported by RegisterCertificate). */
      readonly caId: string | null;
      readonly policyId: string | null;
      readonly organizationId: string | null;
      /** Where the key came from: `server` keys can be made again on renewal, `csr` ones cannot. */
      readonly keySource: 'csr' | 'server' | 'imported';
      /** SHA-256 of the SubjectPublicKeyInfo, when the event carried it (older imports: read it off the PEM). */
      readonly publicKeyFingerprint: string | null;
      readonly certificatePem: string;
      /** Marked `expiring` once: a released hold goes back to it, not to `active`. */
      readonly expiringMarkedAt: string | null;
      readonly remindersDue: readonly ExpiryReminderDays[];
      readonly successorId: string | null;
      readonly privateKey: StoredPrivateKey | null;
      readonly privateKeyDestroyed: boolean;
      readonly metadata: MetadataFields;
    };

export interface MetadataFields {
  readonly tags: Readonly<Record<string, string>>;
  readonly environment: string | null;
  readonly application: string | null;
  readonly notes: string | null;
}

const NO_METADATA: MetadataFields = { tags: {}, environment: null, application: null, notes: null };

type IssuedData = Extract<CertificateEvent, { type: 'CertificateIssued' }>['data'];

export type CertificateCommand =
  | {
      type: 'RegisterCertificate';
      certificateId: string;
      /** The owner as the handler found it in its stream. */
      owner: { readonly userId: string; readonly active: boolean };
      certificateData: string;
      facts: CertificateFacts;
      description?: CertificateDescription;
      now: string;
    }
  | ({ type: 'IssueCertificate'; now: string } & IssuedData)
  | {
      type: 'RevokeCertificate';
      reason: RevocationRequestReason;
      comment?: string;
      invalidityDate?: string;
      now: string;
    }
  | { type: 'ReleaseCertificateHold'; now: string }
  | { type: 'ExpireCertificate'; now: string }
  /** The expiry process: whatever of expiring, reminders and expired is due at `now`, once each. */
  | { type: 'TrackCertificateExpiry'; now: string; thresholdDays: number }
  | { type: 'RecordRenewal'; successorId: string; now: string }
  | { type: 'DeleteCertificate' }
  | { type: 'ExportPrivateKey'; exportedBy: string }
  | { type: 'DestroyPrivateKey' }
  | ({ type: 'SetCertificateMetadata' } & Partial<MetadataFields>);

export const initialCertificateState: CertificateState = { exists: false };

export function decideCertificate(command: CertificateCommand, state: CertificateState): CertificateEvent[] {
  switch (command.type) {
    case 'RegisterCertificate': {
      if (state.exists) refuse('CERTIFICATE_ALREADY_REGISTERED');
      if (!command.owner.active) refuse('USER_INACTIVE', 'a deactivated user cannot receive certificates');
      if (Date.parse(command.facts.notAfter) <= Date.parse(command.now)) {
        refuse('CERTIFICATE_EXPIRED', `the certificate expired at ${command.facts.notAfter}`);
      }
      return [
        {
          type: 'CertificateRegistered',
          data: {
            certificateId: command.certificateId,
            userId: command.owner.userId,
            certificateData: command.certificateData,
            ...command.facts,
            ...command.description,
          },
        },
      ];
    }
    case 'IssueCertificate': {
      if (state.exists) refuse('CERTIFICATE_ALREADY_REGISTERED');
      const { type: _type, now: _now, ...data } = command;
      return [{ type: 'CertificateIssued', data }];
    }
    case 'RevokeCertificate': {
      const certificate = existing(state);
      if (certificate.status === 'revoked') refuse('CERTIFICATE_ALREADY_REVOKED');
      if (certificate.status === 'expired')
        refuse('CERTIFICATE_EXPIRED', 'an expired certificate cannot be revoked');
      if (
        command.invalidityDate !== undefined &&
        Date.parse(command.invalidityDate) > Date.parse(command.now)
      )
        refuse('INVALIDITY_DATE_AHEAD', undefined, [
          { invalidityDate: command.invalidityDate, now: command.now },
        ]);
      const optional = {
        ...(command.comment === undefined ? {} : { comment: command.comment }),
        ...(command.invalidityDate === undefined ? {} : { invalidityDate: command.invalidityDate }),
      };
      if (command.reason === 'certificateHold') {
        if (certificate.status === 'suspended') refuse('CERTIFICATE_ALREADY_SUSPENDED');
        return [
          {
            type: 'CertificateSuspended',
            data: { certificateId: certificate.certificateId, ...optional, suspendedAt: command.now },
          },
        ];
      }
      return [
        {
          type: 'CertificateRevoked',
          data: {
            certificateId: certificate.certificateId,
            reason: command.reason,
            ...optional,
            revokedAt: command.now,
          },
        },
      ];
    }
    case 'ReleaseCertificateHold': {
      const certificate = existing(state);
      if (certificate.status !== 'suspended')
        refuse('CERTIFICATE_NOT_SUSPENDED', undefined, [
          { certificateId: certificate.certificateId, status: certificate.status },
        ]);
      return [
        {
          type: 'CertificateHoldReleased',
          data: { certificateId: certificate.certificateId, releasedAt: command.now },
        },
      ];
    }
    case 'ExpireCertificate': {
      const certificate = existing(state);
      if (certificate.status === 'revoked')
        refuse('CERTIFICATE_ALREADY_REVOKED', 'a revoked certificate cannot expire');
      if (certificate.status === 'expired') refuse('CERTIFICATE_ALREADY_EXPIRED');
      if (Date.parse(certificate.notAfter) > Date.parse(command.now)) {
        refuse('CERTIFICATE_NOT_YET_EXPIRED', `the certificate is valid until ${certificate.notAfter}`);
      }
      return [expiredEvent(certificate, command.now)];
    }
    case 'TrackCertificateExpiry':
      return state.exists ? expiryDue(state, command.now, command.thresholdDays) : [];
    case 'RecordRenewal': {
      const certificate = existing(state);
      if (certificate.successorId === command.successorId) return [];
      if (certificate.successorId !== null)
        refuse('CERTIFICATE_ALREADY_RENEWED', undefined, [
          { certificateId: certificate.certificateId, successorId: certificate.successorId },
        ]);
      return [
        {
          type: 'CertificateRenewed',
          data: {
            certificateId: certificate.certificateId,
            successorId: command.successorId,
            renewedAt: command.now,
          },
        },
      ];
    }
    case 'DeleteCertificate':
      // Seed 000, Constraint 2: certificates cannot be deleted, only revoked.
      return refuse('CERTIFICATE_DELETION_FORBIDDEN');
    case 'ExportPrivateKey': {
      const certificate = withPrivateKey(state);
      return [
        {
          type: 'PrivateKeyExported',
          data: {
            certificateId: certificate.certificateId,
            format: 'pkcs8-encrypted',
            exportedBy: command.exportedBy,
          },
        },
      ];
    }
    case 'DestroyPrivateKey': {
      const certificate = existing(state);
      if (!certificate.privateKey) refuse('NO_PRIVATE_KEY');
      if (certificate.privateKeyDestroyed) return [];
      return [
        {
          type: 'PrivateKeyDestroyed',
          data: { certificateId: certificate.certificateId, dataKeyId: certificate.privateKey.dataKeyId },
        },
      ];
    }
    case 'SetCertificateMetadata': {
      const certificate = existing(state);
      const next: MetadataFields = {
        tags: command.tags ?? certificate.metadata.tags,
        environment:
          command.environment === undefined ? certificate.metadata.environment : command.environment,
        application:
          command.application === undefined ? certificate.metadata.application : command.application,
        notes: command.notes === undefined ? certificate.metadata.notes : command.notes,
      };
      if (sameJson(next, certificate.metadata)) return [];
      return [
        { type: 'CertificateMetadataSet', data: { certificateId: certificate.certificateId, ...next } },
      ];
    }
  }
}

type ExistingCertificate = Extract<CertificateState, { exists: true }>;

/** What expiry depends on: the decider's state, or a process's slimmer copy of it. */
export type ExpiryFacts = Pick<
  ExistingCertificate,
  'certificateId' | 'status' | 'notAfter' | 'expiringMarkedAt' | 'remindersDue'
>;

function expiredEvent(certificate: ExpiryFacts, now: string): CertificateEvent {
  return {
    type: 'CertificateExpired',
    data: { certificateId: certificate.certificateId, notAfter: certificate.notAfter, expiredAt: now },
  };
}

/** The reminders still to come: milestones after the expiring mark, and not passed by a nearer one. */
function remindersAhead(certificate: ExpiryFacts, thresholdDays: number): ExpiryReminderDays[] {
  if (certificate.expiringMarkedAt === null) return [];
  const notAfter = Date.parse(certificate.notAfter);
  const markedAt = Date.parse(certificate.expiringMarkedAt);
  return EXPIRY_REMINDER_DAYS.filter(
    (days) =>
      days < thresholdDays &&
      markedAt < notAfter - days * DAY &&
      !certificate.remindersDue.some((done) => done <= days),
  );
}

/**
 * What time has made due for a certificate: `expired` past notAfter; before that `expiring` within the
 * threshold, then a reminder at each of 7 and 1 days left that came after that mark — each once, so the
 * process may ask as often as it likes (after a crash, from two instances) and nothing is recorded twice.
 * A certificate first found 12 hours before notAfter is marked expiring, and that is its one notice; one
 * found late for both reminders gets only the nearer. A revoked or expired certificate has nothing due;
 * a suspended one still expires (its hold ends with it), but is not reminded.
 */
export function expiryDue(certificate: ExpiryFacts, now: string, thresholdDays: number): CertificateEvent[] {
  if (certificate.status === 'revoked' || certificate.status === 'expired') return [];
  const at = Date.parse(now);
  const notAfter = Date.parse(certificate.notAfter);
  if (at >= notAfter) return [expiredEvent(certificate, now)];
  if (certificate.status === 'suspended') return [];
  const { certificateId } = certificate;
  if (certificate.expiringMarkedAt === null)
    return at >= notAfter - thresholdDays * DAY
      ? [
          {
            type: 'CertificateExpiring',
            data: { certificateId, notAfter: certificate.notAfter, thresholdDays, markedAt: now },
          },
        ]
      : [];
  const reached = remindersAhead(certificate, thresholdDays).filter((days) => at >= notAfter - days * DAY);
  const nearest = reached[reached.length - 1];
  return nearest === undefined
    ? []
    : [
        {
          type: 'CertificateExpiryReminderDue',
          data: { certificateId, notAfter: certificate.notAfter, withinDays: nearest, dueAt: now },
        },
      ];
}

/** The instant a certificate next has something due (see `expiryDue`), or null when nothing ever will. */
export function nextExpiryCheck(certificate: ExpiryFacts, thresholdDays: number): number | null {
  if (certificate.status === 'revoked' || certificate.status === 'expired') return null;
  const notAfter = Date.parse(certificate.notAfter);
  if (certificate.status === 'suspended') return notAfter;
  if (certificate.expiringMarkedAt === null) return notAfter - thresholdDays * DAY;
  const ahead = remindersAhead(certificate, thresholdDays);
  return ahead.length > 0 ? notAfter - ahead[0]! * DAY : notAfter;
}

function existing(state: CertificateState): Extract<CertificateState, { exists: true }> {
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate');
  return state;
}

/** A certificate whose key certm3 holds and can still open. */
export function withPrivateKey(
  state: CertificateState,
): Extract<CertificateState, { exists: true }> & { readonly privateKey: StoredPrivateKey } {
  const certificate = existing(state);
  if (!certificate.privateKey)
    refuse('NO_PRIVATE_KEY', 'the requester kept this certificate’s key: certm3 never had it');
  if (certificate.privateKeyDestroyed)
    refuse('PRIVATE_KEY_DESTROYED', undefined, [{ certificateId: certificate.certificateId }]);
  return certificate as Extract<CertificateState, { exists: true }> & {
    readonly privateKey: StoredPrivateKey;
  };
}

const FRESH = {
  exists: true,
  status: 'active',
  caId: null,
  policyId: null,
  organizationId: null,
  privateKey: null,
  privateKeyDestroyed: false,
  metadata: NO_METADATA,
  expiringMarkedAt: null,
  remindersDue: [],
  successorId: null,
} as const;

export function evolveCertificate(state: CertificateState, event: CertificateEvent): CertificateState {
  switch (event.type) {
    case 'CertificateRegistered':
      return {
        ...FRESH,
        certificateId: event.data.certificateId,
        userId: event.data.userId,
        notBefore: event.data.notBefore,
        notAfter: event.data.notAfter,
        serialNumber: event.data.serialNumber,
        requestId: null,
        keySource: 'imported',
        publicKeyFingerprint: event.data.publicKeyFingerprint ?? null,
        certificatePem: event.data.certificateData,
      };
    case 'CertificateIssued':
      return {
        ...FRESH,
        certificateId: event.data.certificateId,
        userId: event.data.userId,
        notBefore: event.data.notBefore,
        notAfter: event.data.notAfter,
        serialNumber: event.data.serialNumber,
        requestId: event.data.requestId,
        caId: event.data.caId,
        policyId: event.data.policyId,
        organizationId: event.data.organizationId,
        keySource: event.data.keySource,
        privateKey: event.data.privateKey,
        publicKeyFingerprint: event.data.publicKeyFingerprint,
        certificatePem: event.data.certificateData,
      };
    case 'CertificateRevoked':
      return state.exists ? { ...state, status: 'revoked' } : state;
    case 'CertificateSuspended':
      return state.exists ? { ...state, status: 'suspended' } : state;
    case 'CertificateHoldReleased':
      return state.exists
        ? { ...state, status: state.expiringMarkedAt !== null ? 'expiring' : 'active' }
        : state;
    case 'CertificateExpiring':
      return state.exists
        ? {
            ...state,
            expiringMarkedAt: event.data.markedAt,
            status: state.status === 'active' ? 'expiring' : state.status,
          }
        : state;
    case 'CertificateExpiryReminderDue':
      return state.exists
        ? { ...state, remindersDue: [...state.remindersDue, event.data.withinDays] }
        : state;
    case 'CertificateExpired':
      return state.exists ? { ...state, status: 'expired' } : state;
    case 'CertificateRenewed':
      return state.exists ? { ...state, successorId: event.data.successorId } : state;
    case 'PrivateKeyExported':
      return state;
    case 'PrivateKeyDestroyed':
      return state.exists ? { ...state, privateKeyDestroyed: true } : state;
    case 'CertificateMetadataSet': {
      if (!state.exists) return state;
      const { certificateId: _id, ...metadata } = event.data;
      return { ...state, metadata };
    }
  }
}

export const certificateDecider: Decider<CertificateCommand, CertificateEvent, CertificateState> = {
  decide: decideCertificate,
  evolve: evolveCertificate,
  initialState: initialCertificateState,
};
