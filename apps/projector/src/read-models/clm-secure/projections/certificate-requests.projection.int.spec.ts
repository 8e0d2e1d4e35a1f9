import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import { at, leafIssued, rootCreated, stamp } from './spec-events.fixture';

describe('clm_secure certificate_requests projection', () => {
  const requester = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(requester, '03:00:00') });
  const [caId, policyId, owner, organizationId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [withCsr, waiting] = [randomUUID(), randomUUID()];
  const csrPem = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB…\n-----END CERTIFICATE REQUEST-----\n';
  const submitted = (requestId: string, options: { csr: boolean; approval: boolean }) => ({
    type: 'CertificateRequestSubmitted',
    data: {
      requestId,
      policyId,
      caId,
      organizationId: options.csr ? organizationId : null,
      requestedBy: requester,
      ownerUserId: owner,
      keySource: options.csr ? 'csr' : 'server',
      csrPem: options.csr ? csrPem : null,
      subject: { commonName: 'www.example.com', organization: 'Spec' },
      subjectAlternativeNames: [{ type: 'DNS', value: 'www.example.com' }],
      keyAlgorithm: options.csr ? 'RSA' : 'ECDSA',
      keySize: options.csr ? 2048 : 256,
      notAfter: '2027-11-01T00:00:00.000Z',
      requiresApproval: options.approval,
    },
  });

  it('records requests pending or pending approval, and issued with their certificate', () => {
    const certificateId = randomUUID();
    return spec
      .given(
        rootCreated(caId, randomUUID()),
        submitted(withCsr, { csr: true, approval: false }),
        submitted(waiting, { csr: false, approval: true }),
        {
          ...leafIssued({ certificateId, requestId: withCsr, caId, userId: owner, policyId }),
          metadata: at(requester, '03:00:01'),
        },
        {
          type: 'CertificateRequestFulfilled',
          data: { requestId: withCsr, certificateId, serialNumber: '3e1c' },
          metadata: at(requester, '03:00:01'),
        },
      )
      .then({
        certificate_requests: [
          {
            request_id: withCsr,
            status: 'issued',
            policy_id: policyId,
            ca_id: caId,
            organization_id: organizationId,
            requested_by: requester,
            owner_user_id: owner,
            key_source: 'csr',
            csr_pem: csrPem,
            subject: { commonName: 'www.example.com', organization: 'Spec' },
            subject_alternative_names: [{ type: 'DNS', value: 'www.example.com' }],
            key_algorithm: 'RSA',
            key_size: 2048,
            not_after: '2027-11-01T00:00:00+00:00',
            certificate_id: certificateId,
            created_at: stamp('03:00:00'),
            updated_at: stamp('03:00:01'),
          },
          {
            request_id: waiting,
            status: 'pending_approval',
            key_source: 'server',
            csr_pem: null,
            certificate_id: null,
          },
        ],
      });
  });

  it('halts on a request fulfilled with a certificate it does not list', () =>
    spec
      .given(submitted(withCsr, { csr: true, approval: false }), {
        type: 'CertificateRequestFulfilled',
        data: { requestId: withCsr, certificateId: randomUUID(), serialNumber: '01' },
      })
      .thenFails(/certificate_requests_certificate_id_fkey/));
});
