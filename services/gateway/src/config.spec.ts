import { loadConfig } from './config.js';

describe('loadConfig', () => {
  const base = { COORDINATOR_URL: 'http://127.0.0.1:7400' };

  it('refuses to start with neither a tokens file nor development mode, naming both variables', () => {
    expect(() => loadConfig(base)).toThrow('GATEWAY_TOKENS_FILE is required unless GATEWAY_DEV_MODE=true (local development only: no authentication)');
  });

  it('accepts either, with limits defaulted', () => {
    expect(loadConfig({ ...base, GATEWAY_DEV_MODE: 'true' })).toMatchObject({ devMode: true, tokensFile: undefined, limits: { messageBytes: 16 * 1024 * 1024, watchesPerCaller: 64 } });
    expect(loadConfig({ ...base, GATEWAY_TOKENS_FILE: '/etc/weft/auth/tokens', GATEWAY_MAX_UPLOAD_SIZE: '1GiB' })).toMatchObject({ devMode: false, tokensFile: '/etc/weft/auth/tokens', limits: { uploadBytes: 1024 ** 3 } });
  });

  it('serves the dashboard unless GATEWAY_DASHBOARD=false', () => {
    const dev = { ...base, GATEWAY_DEV_MODE: 'true' };
    expect(loadConfig(dev).dashboard).toBe(true);
    expect(loadConfig({ ...dev, GATEWAY_DASHBOARD: 'false' }).dashboard).toBe(false);
    expect(() => loadConfig({ ...dev, GATEWAY_DASHBOARD: 'maybe' })).toThrow('GATEWAY_DASHBOARD');
  });

  it('compresses responses to remote clients unless GATEWAY_RESPONSE_COMPRESSION says otherwise', () => {
    const dev = { ...base, GATEWAY_DEV_MODE: 'true' };
    expect(loadConfig(dev).responseCompression).toBe('remote');
    expect(loadConfig({ ...dev, GATEWAY_RESPONSE_COMPRESSION: 'never' }).responseCompression).toBe('never');
    expect(() => loadConfig({ ...dev, GATEWAY_RESPONSE_COMPRESSION: 'gzip' })).toThrow('GATEWAY_RESPONSE_COMPRESSION');
  });
});
