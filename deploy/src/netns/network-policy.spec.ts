import { renderOverlay } from '../render.js';
import { componentOf, weftWorkloads } from '../workloads.js';
import { ingressRuleset, type PolicyPeer } from './network-policy.js';

describe('ingressRuleset', () => {
  it('admits to a mapper only Weft workers and the coordinator on its port, and the node\'s probes', async () => {
    const objects = await renderOverlay('dev');
    const pods = new Map(weftWorkloads(objects).map((w) => [componentOf(w), w]));
    const peers: PolicyPeer[] = [
      { host: 'gateway', ip: '10.0.0.2', pod: pods.get('gateway')! },
      { host: 'coordinator', ip: '10.0.0.3', pod: pods.get('coordinator')! },
      { host: 'mapper-0', ip: '10.0.0.4', pod: pods.get('mapper')! },
      { host: 'reducer-0', ip: '10.0.0.5', pod: pods.get('reducer')! },
    ];
    const rules = ingressRuleset(objects, peers[2]!, peers, '10.0.0.1').split('\n').map((l) => l.trim());
    expect(rules).toContain('type filter hook input priority 0; policy drop;');
    expect(rules).toContain('ip saddr { 10.0.0.3, 10.0.0.4, 10.0.0.5 } tcp dport { 7401 } accept');
    expect(rules).toContain('ip saddr 10.0.0.1 tcp dport { 7401 } accept');
    expect(rules.filter((r) => r.includes('10.0.0.2'))).toEqual([]);
  });
});
