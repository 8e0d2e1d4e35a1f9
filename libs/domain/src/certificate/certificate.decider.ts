import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { sameJson } from '../shared/same-json';
import {
  CertificateDescription,
  CertificateEvent,
  CertificateFacts,
  RevocationReason,
  StoredPrivateKey,
} from './certificate.events';

export type CertificateStatus = 'active' | 'revoked' | 'expired';

export type CertificateState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly certificateId: string;
      readonly userId: string;
      readonly status: CertificateStatus;
      readonly notAfter: string;
      /** Issued by a certm3 authority (else imported by RegisterCertificate). */
      readonly caId: string | null;
      readonly organizationId: string | null;
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
  | { type: 'RevokeCertificate'; reason: RevocationReason; comment?: string }
  | { type: 'ExpireCertificate'; now: string }
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
      const data =
        command.comment === undefined
          ? { certificateId: certificate.certificateId, reason: command.reason }
          : { certificateId: certificate.certificateId, reason: command.reason, comment: command.comment };
      return [{ type: 'CertificateRevoked', data }];
    }
    case 'ExpireCertificate': {
      const certificate = existing(state);
      if (certificate.status === 'revoked')
        refuse('CERTIFICATE_ALREADY_REVOKED', 'a revoked certificate cannot expire');
      if (certificate.status === 'expired') refuse('CERTIFICATE_ALREADY_EXPIRED');
      if (Date.parse(certificate.notAfter) > Date.parse(command.now)) {
        refuse('CERTIFICATE_NOT_YET_EXPIRED', `the certificate is valid until ${certificate.notAfter}`);
      }
      return [
        {
          type: 'CertificateExpired',
          data: { certificateId: certificate.certificateId, notAfter: certificate.notAfter },
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

export function evolveCertificate(state: CertificateState, event: CertificateEvent): CertificateState {
  switch (event.type) {
    case 'CertificateRegistered':
      return {
        exists: true,
        certificateId: event.data.certificateId,
        userId: event.data.userId,
        status: 'active',
        notAfter: event.data.notAfter,
        caId: null,
        organizationId: null,
        privateKey: null,
        privateKeyDestroyed: false,
        metadata: NO_METADATA,
      };
    case 'CertificateIssued':
      return {
        exists: true,
        certificateId: event.data.certificateId,
        userId: event.data.userId,
        status: 'active',
        notAfter: event.data.notAfter,
        caId: event.data.caId,
        organizationId: event.data.organizationId,
        privateKey: event.data.privateKey,
        privateKeyDestroyed: false,
        metadata: NO_METADATA,
      };
    case 'CertificateRevoked':
      return state.exists ? { ...state, status: 'revoked' } : state;
    case 'CertificateExpired':
      return state.exists ? { ...state, status: 'expired' } : state;
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
