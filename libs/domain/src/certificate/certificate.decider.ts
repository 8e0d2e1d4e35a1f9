import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { CertificateEvent, CertificateFacts, RevocationReason } from './certificate.events';

export type CertificateStatus = 'active' | 'revoked' | 'expired';

export type CertificateState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly certificateId: string;
      readonly userId: string;
      readonly status: CertificateStatus;
      readonly notAfter: string;
    };

export type CertificateCommand =
  | {
      type: 'RegisterCertificate';
      certificateId: string;
      /** The owner as the handler found it in its stream. */
      owner: { readonly userId: string; readonly active: boolean };
      certificateData: string;
      facts: CertificateFacts;
      now: string;
    }
  | { type: 'RevokeCertificate'; reason: RevocationReason; comment?: string }
  | { type: 'ExpireCertificate'; now: string }
  | { type: 'DeleteCertificate' };

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
          },
        },
      ];
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
  }
}

function existing(state: CertificateState): Extract<CertificateState, { exists: true }> {
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate');
  return state;
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
      };
    case 'CertificateRevoked':
      return state.exists ? { ...state, status: 'revoked' } : state;
    case 'CertificateExpired':
      return state.exists ? { ...state, status: 'expired' } : state;
  }
}

export const certificateDecider: Decider<CertificateCommand, CertificateEvent, CertificateState> = {
  decide: decideCertificate,
  evolve: evolveCertificate,
  initialState: initialCertificateState,
};
