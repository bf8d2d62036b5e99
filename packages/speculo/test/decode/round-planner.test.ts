import { describe, expect, it } from 'vitest';
import { RoundPlanner } from '../../src/decode/round-planner.js';
import { createStaticPolicy } from '../../src/schedule/policies.js';

function runRounds(planner: RoundPlanner, rounds: number, startRound = 1): void {
  for (let i = 0; i < rounds; i++) {
    const { gamma } = planner.plan(8);
    planner.observe({ round: startRound + i, drafted: gamma, accepted: 0, draftMs: 1, verifyMs: 5, stoppedEarly: false, confidences: Array(gamma).fill(0.5) });
  }
}

describe('RoundPlanner', () => {
  it("reports only its own generation's decisions, numbered from 1, though the policy lives on", () => {
    const policy = createStaticPolicy(3);
    runRounds(new RoundPlanner(policy, null), 5);
    const second = new RoundPlanner(policy, null);
    runRounds(second, 3);
    expect(second.decisions().map((d) => d.round)).toEqual([1, 2, 3]);
  });

  it("keeps a generation longer than the policy's window whole, while the engine-lifetime policy stays bounded", () => {
    const policy = createStaticPolicy(2);
    const planner = new RoundPlanner(policy, null);
    runRounds(planner, 5000);
    expect(planner.decisions()).toHaveLength(5000);
    expect(planner.decisions().at(-1)!.round).toBe(5000);
    // The policy keeps a window of recent decisions, numbered over its whole life.
    const recent = policy.decisions();
    expect(recent).toHaveLength(4096);
    expect(recent.at(-1)!.round).toBe(5000);
    expect(policy.decisions(4990).map((d) => d.round)).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
  });
});
