import { createClient, createRouterTransport } from '@connectrpc/connect';
import { ClusterService } from '@weft/proto';
import { bearerInterceptor } from './bearer-interceptor.js';

describe('bearerInterceptor', () => {
  it('sends the current token on each call, and no header while it is blank', async () => {
    const seen: (string | null)[] = [];
    let token = '';
    const transport = createRouterTransport(
      (router) => {
        router.service(ClusterService, {
          describeCluster: (_request, ctx) => {
            seen.push(ctx.requestHeader.get('authorization'));
            return { nodes: [] };
          },
        });
      },
      { transport: { interceptors: [bearerInterceptor(() => token)] } },
    );
    const client = createClient(ClusterService, transport);
    await client.describeCluster({});
    token = ' 7c1d0e54f7a24f3a9b1c2d3e4f5a6b7c ';
    await client.describeCluster({});
    token = '   ';
    await client.describeCluster({});
    expect(seen).toEqual([null, 'Bearer 7c1d0e54f7a24f3a9b1c2d3e4f5a6b7c', null]);
  });
});
