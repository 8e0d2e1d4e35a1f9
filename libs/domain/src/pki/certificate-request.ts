import { SubjectAlternativeName } from '../certificate/certificate.events';
import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { DistinguishedName } from './certificate-authority';

/**
 * A request for a certificate under a policy, in stream `certificate-request-<requestId>`: submitted with a
 * PKCS#10 CSR (the requester keeps the key) or with a subject for a key made here, then issued at once or,
 * under a policy that requires approval, left waiting (the workflow issue decides it).
 */
export type CertificateRequestStatus = 'pending' | 'pending_approval' | 'issued' | 'rejected' | 'cancelled';

export interface SubmittedRequest {
  readonly requestId: string;
  readonly policyId: string;
  readonly caId: string;
  readonly organizationId: string | null;
  readonly requestedBy: string;
  readonly ownerUserId: string;
  readonly keySource: 'csr' | 'server';
  /** The CSR as sent (public data: a subject and a public key). */
  readonly csrPem: string | null;
  readonly subject: DistinguishedName;
  readonly subjectAlternativeNames: readonly SubjectAlternativeName[];
  readonly keyAlgorithm: 'RSA' | 'ECDSA';
  readonly keySize: number;
  readonly notAfter: string;
  readonly requiresApproval: boolean;
}

export type CertificateRequestEvent =
  | { type: 'CertificateRequestSubmitted'; data: SubmittedRequest }
  | {
      type: 'CertificateRequestFulfilled';
      data: { requestId: string; certificateId: string; serialNumber: string };
    };

export type CertificateRequestState =
  | { readonly exists: false }
  | ({
      readonly exists: true;
      readonly status: CertificateRequestStatus;
      readonly certificateId: string | null;
    } & SubmittedRequest);

export type CertificateRequestCommand =
  | ({ type: 'SubmitCertificateRequest' } & SubmittedRequest)
  | { type: 'FulfilCertificateRequest'; certificateId: string; serialNumber: string };

export function decideCertificateRequest(
  command: CertificateRequestCommand,
  state: CertificateRequestState,
): CertificateRequestEvent[] {
  if (command.type === 'SubmitCertificateRequest') {
    if (state.exists) refuse('REQUEST_ALREADY_EXISTS');
    const { type: _type, ...data } = command;
    return [{ type: 'CertificateRequestSubmitted', data }];
  }
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate request');
  if (state.status === 'issued') {
    if (state.certificateId === command.certificateId) return [];
    refuse('REQUEST_NOT_PENDING', 'the request was issued already', [{ status: state.status }]);
  }
  if (state.status !== 'pending' && state.status !== 'pending_approval')
    refuse('REQUEST_NOT_PENDING', undefined, [{ status: state.status }]);
  return [
    {
      type: 'CertificateRequestFulfilled',
      data: {
        requestId: state.requestId,
        certificateId: command.certificateId,
        serialNumber: command.serialNumber,
      },
    },
  ];
}

export function evolveCertificateRequest(
  state: CertificateRequestState,
  event: CertificateRequestEvent,
): CertificateRequestState {
  if (event.type === 'CertificateRequestSubmitted')
    return {
      exists: true,
      status: event.data.requiresApproval ? 'pending_approval' : 'pending',
      certificateId: null,
      ...event.data,
    };
  return state.exists ? { ...state, status: 'issued', certificateId: event.data.certificateId } : state;
}

export const certificateRequestDecider: Decider<
  CertificateRequestCommand,
  CertificateRequestEvent,
  CertificateRequestState
> = {
  decide: decideCertificateRequest,
  evolve: evolveCertificateRequest,
  initialState: { exists: false },
};
