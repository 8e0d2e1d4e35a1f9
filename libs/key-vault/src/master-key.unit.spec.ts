import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadMasterKey, MasterKeyError } from './master-key';

describe('the master key', () => {
  const key = randomBytes(32).toString('base64');

  it('comes from CERTM3_MASTER_KEY or from a file only its owner reads', () => {
    expect(loadMasterKey({ key }).toString('base64')).toBe(key);
    const file = join(mkdtempSync(join(tmpdir(), 'certm3-key-')), 'master.key');
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    expect(loadMasterKey({ file }).toString('base64')).toBe(key);
    chmodSync(file, 0o644);
    expect(() => loadMasterKey({ file })).toThrow(/readable by others/);
  });

  it('refuses to start without one, with both, or with anything but 32 bytes of base64', () => {
    expect(() => loadMasterKey({})).toThrow(MasterKeyError);
    expect(() => loadMasterKey({ key, file: '/x' })).toThrow(/not both/);
    expect(() => loadMasterKey({ key: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
    expect(() => loadMasterKey({ key: 'not base64 at all!' })).toThrow(/32 bytes/);
    expect(() => loadMasterKey({ file: '/nonexistent/master.key' })).toThrow(/cannot be read/);
  });
});
