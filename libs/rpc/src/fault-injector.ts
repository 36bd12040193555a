import { setTimeout as sleep } from 'node:timers/promises';
import type { DescMethod, MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { UnavailableError } from '@weft/errors';
import type { FaultService, FaultsSchema } from '@weft/proto/cluster';

/** What a node injects into its own handlers (the FaultService `Faults` message, as plain data). */
export interface FaultSettingsInit {
  /** Delay before each matching handler, in milliseconds. */
  readonly latencyMs: number;
  /** Fraction (0..1) of matching calls failing with UNAVAILABLE. */
  readonly errorRate: number;
  /** Method names the faults apply to; empty = every method but health and FaultService. */
  readonly methods: readonly string[];
}

// Health must keep answering (probes and harness readiness), and the control RPC must always work.
const exemptServices = new Set(['grpc.health.v1.Health', 'weft.cluster.v1.FaultService']);

/**
 * Test-mode fault injection for a node's RPC handlers: `beforeCall` is the {@link GrpcServer}
 * hook that delays and fails calls as configured, and `impl()` the FaultService that changes the
 * settings at run time. Only built when the node runs with WEFT_TEST_MODE=1.
 */
export class FaultInjector {
  private faults: FaultSettingsInit;

  constructor(initial: FaultSettingsInit, private readonly random: () => number = Math.random) {
    this.faults = { ...initial, methods: [...initial.methods] };
  }

  /** The settings in force. */
  get settings(): FaultSettingsInit {
    return this.faults;
  }

  /** Replaces the settings. */
  set(faults: FaultSettingsInit): void {
    this.faults = { latencyMs: faults.latencyMs, errorRate: faults.errorRate, methods: [...faults.methods] };
  }

  /**
   * Runs before every handler: sleeps `latencyMs` (or until the call is cancelled), then fails
   * `errorRate` of the calls with UnavailableError. Exempt: health and FaultService.
   */
  readonly beforeCall = async (method: DescMethod, signal: AbortSignal): Promise<void> => {
    const { latencyMs, errorRate, methods } = this.faults;
    if (exemptServices.has(method.parent.typeName)) return;
    if (methods.length > 0 && !methods.includes(method.name)) return;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal });
    if (errorRate > 0 && this.random() < errorRate) throw new UnavailableError(`injected fault in ${method.name}`);
  };

  /** The FaultService implementation. */
  impl(): ServiceImpl<typeof FaultService> {
    const toProto = (): MessageInitShape<typeof FaultsSchema> => ({ latencyMs: this.faults.latencyMs, errorRate: this.faults.errorRate, methods: [...this.faults.methods] });
    return {
      setFaults: (request) => {
        const faults = request.faults;
        this.set({ latencyMs: faults?.latencyMs ?? 0, errorRate: faults?.errorRate ?? 0, methods: faults?.methods ?? [] });
        return { faults: toProto() };
      },
    };
  }
}
