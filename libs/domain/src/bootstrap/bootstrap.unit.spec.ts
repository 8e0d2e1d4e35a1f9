import { DomainError } from '../shared/domain-error';
import { bootstrapEvolver, decideBootstrap } from './bootstrap';

const ada = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const afterAda = bootstrapEvolver.evolve(bootstrapEvolver.initialState, {
  type: 'AdministratorBootstrapped',
  data: { userId: ada },
});

describe('bootstrap', () => {
  it('marks the first administrator', () => {
    expect(
      decideBootstrap({ userId: ada, bootstrappedAdministratorExists: false }, bootstrapEvolver.initialState),
    ).toEqual([{ type: 'AdministratorBootstrapped', data: { userId: ada } }]);
  });

  it('refuses a second bootstrap while the first administrator exists', () => {
    expect(() => decideBootstrap({ userId: bob, bootstrappedAdministratorExists: true }, afterAda)).toThrow(
      DomainError,
    );
    expect(() => decideBootstrap({ userId: bob, bootstrappedAdministratorExists: true }, afterAda)).toThrow(
      expect.objectContaining({ code: 'ALREADY_BOOTSTRAPPED' }),
    );
  });

  it('lets a bootstrap proceed when the marked administrator was never registered', () => {
    expect(decideBootstrap({ userId: bob, bootstrappedAdministratorExists: false }, afterAda)).toEqual([
      { type: 'AdministratorBootstrapped', data: { userId: bob } },
    ]);
  });
});
