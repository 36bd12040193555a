import { parseReadyLine, portOf } from './ready-line.js';

describe('parseReadyLine', () => {
  it('reads service, node id and address from the pino ready line', () => {
    const line = '{"level":30,"time":1,"service":"mapper","nodeId":"mapper-1","address":"http://127.0.0.1:40123/","msg":"ready"}';
    expect(parseReadyLine(line)).toEqual({ service: 'mapper', nodeId: 'mapper-1', address: 'http://127.0.0.1:40123' });
  });

  it('ignores other lines, non-JSON output and ready lines without a usable address', () => {
    expect(parseReadyLine('{"msg":"starting","service":"mapper"}')).toBeUndefined();
    expect(parseReadyLine('Warning: "ready" soon')).toBeUndefined();
    expect(parseReadyLine('{"msg":"ready","address":"127.0.0.1:80"}')).toBeUndefined();
    expect(parseReadyLine('{"msg":"not ready","address":"http://127.0.0.1:80"}')).toBeUndefined();
  });
});

describe('portOf', () => {
  it('returns the port of an address', () => {
    expect(portOf('http://127.0.0.1:40123')).toBe(40123);
  });
});
