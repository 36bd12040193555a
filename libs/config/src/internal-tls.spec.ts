import { createEnvReader } from './env-reader.js';
import { readInternalTls } from './internal-tls.js';

describe('readInternalTls', () => {
  it('is off without any of the three variables', () => {
    const read = createEnvReader({});
    expect(readInternalTls(read)).toBeUndefined();
    expect(() => read.assertValid()).not.toThrow();
  });

  it('returns the three paths when all are set', () => {
    const read = createEnvReader({ WEFT_TLS_CA_FILE: '/t/ca.crt', WEFT_TLS_CERT_FILE: '/t/tls.crt', WEFT_TLS_KEY_FILE: '/t/tls.key' });
    expect(readInternalTls(read)).toEqual({ caFile: '/t/ca.crt', certFile: '/t/tls.crt', keyFile: '/t/tls.key' });
  });

  it('names all three when only some are set', () => {
    const read = createEnvReader({ WEFT_TLS_CERT_FILE: '/t/tls.crt' });
    readInternalTls(read);
    expect(() => read.assertValid()).toThrow(/WEFT_TLS_CA_FILE, WEFT_TLS_CERT_FILE, WEFT_TLS_KEY_FILE must be set together/);
  });
});
