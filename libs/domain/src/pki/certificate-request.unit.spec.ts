import { foldEvents } from '../shared/decider';
import { deciderSpec } from '../testing/decider-spec';
import { CertificateRequestEvent, SubmittedRequest, certificateRequestDecider } from './certificate-request';

const requestId = '33333333-3333-4333-8333-333333333333';
const certificateId = '66666666-6666-4666-8666-666666666666';
const request: SubmittedRequest = {
  requestId,
  policyId: '77777777-7777-4777-8777-777777777777',
  caId: '99999999-9999-4999-8999-999999999999',
  organizationId: null,
  requestedBy: '22222222-2222-4222-8222-222222222222',
  ownerUserId: '11111111-1111-4111-8111-111111111111',
  keySource: 'csr',
  csrPem: '-----BEGIN CERTIFICATE REQUEST-----',
  subject: { commonName: 'ada.example' },
  subjectAlternativeNames: [{ type: 'DNS', value: 'ada.example' }],
  keyAlgorithm: 'ECDSA',
  keySize: 256,
  notAfter: '2027-01-01T00:00:00.000Z',
  requiresApproval: false,
};
const submitted: CertificateRequestEvent = { type: 'CertificateRequestSubmitted', data: request };
const awaitingApproval: CertificateRequestEvent = {
  type: 'CertificateRequestSubmitted',
  data: { ...request, requiresApproval: true },
};
const submit = { type: 'SubmitCertificateRequest', ...request } as const;
const fulfil = { type: 'FulfilCertificateRequest', certificateId, serialNumber: '02' } as const;
const fulfilled: CertificateRequestEvent = {
  type: 'CertificateRequestFulfilled',
  data: { requestId, certificateId, serialNumber: '02' },
};
const { given } = deciderSpec(certificateRequestDecider);

describe('certificate request', () => {
  it('is submitted once, as sent', () => {
    given([]).when(submit).then([submitted]);
    given([submitted]).when(submit).thenRefuses('REQUEST_ALREADY_EXISTS');
  });

  it('waits as pending, or as pending approval when its policy requires approval', () => {
    expect(foldEvents(certificateRequestDecider, [submitted])).toMatchObject({
      status: 'pending',
      certificateId: null,
    });
    expect(foldEvents(certificateRequestDecider, [awaitingApproval])).toMatchObject({
      status: 'pending_approval',
      certificateId: null,
    });
  });

  it('is fulfilled by the certificate issued for it, and is then issued', () => {
    given([submitted]).when(fulfil).then([fulfilled]);
    expect(foldEvents(certificateRequestDecider, [submitted, fulfilled])).toMatchObject({
      status: 'issued',
      certificateId,
    });
  });

  it('is fulfilled once: the same certificate again changes nothing, another is refused', () => {
    given([submitted, fulfilled]).when(fulfil).thenNothingHappens();
    given([submitted, fulfilled])
      .when({ ...fulfil, certificateId: '55555555-5555-4555-8555-555555555555', serialNumber: '03' })
      .thenRefuses('REQUEST_NOT_PENDING');
  });

  it('cannot be fulfilled before it is submitted', () => {
    given([]).when(fulfil).thenRefuses('NOT_FOUND');
  });
});
