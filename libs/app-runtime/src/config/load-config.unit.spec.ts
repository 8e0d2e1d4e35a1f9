import { IsString, Matches } from 'class-validator';
import { CommonSettings } from './common-settings';
import { PortSetting } from './setting-decorators';
import { ConfigurationError, loadConfig } from './load-config';

class ExampleSettings extends CommonSettings {
  @PortSetting()
  EXAMPLE_HTTP_PORT = 3000;

  @IsString()
  @Matches(/^nats:\/\//, { message: 'must be a nats:// URL' })
  NATS_URL = 'nats://127.0.0.1:4222';
}

describe('loadConfig', () => {
  it('applies defaults for unset and empty variables', () => {
    const settings = loadConfig(ExampleSettings, { NATS_URL: '' });
    expect(settings).toMatchObject({
      EXAMPLE_HTTP_PORT: 3000,
      LOG_LEVEL: 'log',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    expect(settings.EVENT_STORE_URL).toBe('postgres://postgres@127.0.0.1:5432/certm3_events');
  });

  it('converts numbers and keeps provided values', () => {
    const settings = loadConfig(ExampleSettings, {
      EXAMPLE_HTTP_PORT: '8080',
      EVENT_STORE_URL: 'esdb://db:2113?tls=false',
    });
    expect(settings.EXAMPLE_HTTP_PORT).toBe(8080);
    expect(settings.EVENT_STORE_URL).toBe('esdb://db:2113?tls=false');
  });

  it('names each malformed variable once, with the rule it breaks', () => {
    let caught: unknown;
    try {
      loadConfig(ExampleSettings, {
        EXAMPLE_HTTP_PORT: 'eighty',
        NATS_URL: 'http://x',
        EVENT_STORE_URL: 'mysql://x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).problems).toEqual([
      {
        variable: 'EVENT_STORE_URL',
        problem: 'must be a postgres://, postgresql://, esdb:// or esdb+discover:// URL',
      },
      { variable: 'EXAMPLE_HTTP_PORT', problem: 'must be a port number (0-65535)' },
      { variable: 'NATS_URL', problem: 'must be a nats:// URL' },
    ]);
    expect((caught as Error).message).toContain('EXAMPLE_HTTP_PORT must be a port number (0-65535)');
  });

  it('ignores variables that are not settings', () => {
    expect(() => loadConfig(ExampleSettings, { PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });
});
