import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { providersOf } from '../common/discovery/providers-of';
import type { UsageEvent } from './usage.model';
import { ADMIT_ALL, type GateDecision, UsageGate } from './usage-gate';

/**
 * Every `UsageGate` of the application (found at start-up), asked in name order: each sees
 * only the events the ones before it admitted. With no gate, admitting costs nothing.
 */
@Injectable()
export class UsageGates implements OnModuleInit {
  private gates: UsageGate[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.gates = providersOf(this.discovery, UsageGate, 'usage gates');
  }

  async admit(events: readonly UsageEvent[], now: Date): Promise<GateDecision> {
    if (this.gates.length === 0 || events.length === 0) return ADMIT_ALL;
    const refused: GateDecision['refused'] = new Map();
    const items: GateDecision['items'] = new Map();
    let admitted = events;
    for (const gate of this.gates) {
      const decision = await gate.admit(admitted, now);
      for (const [event, refusal] of decision.refused) refused.set(event, refusal);
      for (const [customerId, list] of decision.items) {
        items.set(customerId, [...(items.get(customerId) ?? []), ...list]);
      }
      admitted = admitted.filter((event) => !decision.refused.has(event));
    }
    return { refused, items };
  }
}
