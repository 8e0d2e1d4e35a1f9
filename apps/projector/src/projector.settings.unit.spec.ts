import { ConfigurationError, loadConfig } from '@certm3/app-runtime';
import { certm3Model } from './read-models';
import { databaseUrlOf, ProjectorSettingsWithModels } from './projector.settings';

describe('projector settings', () => {
  it('has one database URL setting per model, named and defaulted by the model', () => {
    const settings = loadConfig(ProjectorSettingsWithModels, {});
    expect(databaseUrlOf(settings, certm3Model)).toBe('postgres://postgres@127.0.0.1:5432/certm3');
    expect(settings).toMatchObject({
      PROJECTOR_HTTP_PORT: 3001,
      PROJECTOR_BATCH_SIZE: 500,
      UNKNOWN_EVENT_POLICY: 'halt',
    });
    const custom = loadConfig(ProjectorSettingsWithModels, {
      CERTM3_DATABASE_URL: 'postgresql://reader@db:6432/certm3',
    });
    expect(databaseUrlOf(custom, certm3Model)).toBe('postgresql://reader@db:6432/certm3');
  });

  it('names a malformed model database URL like any other setting', () => {
    expect(() =>
      loadConfig(ProjectorSettingsWithModels, { CERTM3_DATABASE_URL: 'mysql://localhost/certm3' }),
    ).toThrow(
      new ConfigurationError([
        { variable: 'CERTM3_DATABASE_URL', problem: 'must be a postgres:// or postgresql:// URL' },
      ]),
    );
  });
});
