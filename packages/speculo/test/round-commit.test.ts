import { describe, expect, it } from 'vitest';
import { commitRound } from '../src/commit/round-commit.js';

const eos = new Set([0, 9]);

describe('commitRound', () => {
  it('emits accepted tokens then the next token when nothing stops', () => {
    expect(commitRound({ accepted: [5, 6, 7], nextToken: 8, eosTokenIds: eos, remaining: 10 })).toEqual({
      tokens: [5, 6, 7, 8],
      stop: null,
      acceptedDraftUsed: 3,
    });
  });

  it('stops at an EOS inside the accepted run and includes it', () => {
    expect(commitRound({ accepted: [5, 9, 7], nextToken: 8, eosTokenIds: eos, remaining: 10 })).toEqual({
      tokens: [5, 9],
      stop: 'eos',
      acceptedDraftUsed: 2,
    });
  });

  it('stops when the next token is EOS', () => {
    expect(commitRound({ accepted: [5], nextToken: 0, eosTokenIds: eos, remaining: 10 })).toEqual({
      tokens: [5, 0],
      stop: 'eos',
      acceptedDraftUsed: 1,
    });
  });

  it('truncates inside the accepted run at the remaining limit', () => {
    expect(commitRound({ accepted: [5, 6, 7, 8], nextToken: 4, eosTokenIds: eos, remaining: 2 })).toEqual({
      tokens: [5, 6],
      stop: 'max-tokens',
      acceptedDraftUsed: 2,
    });
  });

  it('reports max-tokens when the round exactly fills the limit', () => {
    expect(commitRound({ accepted: [5, 6], nextToken: 4, eosTokenIds: eos, remaining: 3 })).toEqual({
      tokens: [5, 6, 4],
      stop: 'max-tokens',
      acceptedDraftUsed: 2,
    });
  });

  it('emits one token with remaining 1, and with nothing accepted', () => {
    expect(commitRound({ accepted: [5, 6], nextToken: 4, eosTokenIds: eos, remaining: 1 })).toEqual({
      tokens: [5],
      stop: 'max-tokens',
      acceptedDraftUsed: 1,
    });
    expect(commitRound({ accepted: [], nextToken: 4, eosTokenIds: eos, remaining: 5 })).toEqual({
      tokens: [4],
      stop: null,
      acceptedDraftUsed: 0,
    });
  });

  it('prefers eos when the EOS is also the last allowed token', () => {
    expect(commitRound({ accepted: [5, 9], nextToken: 4, eosTokenIds: eos, remaining: 2 }).stop).toBe('eos');
  });

  it('never over-emits for any limit', () => {
    const accepted = [1, 2, 3, 4, 5, 6];
    for (let remaining = 1; remaining <= 9; remaining++) {
      const round = commitRound({ accepted, nextToken: 7, eosTokenIds: eos, remaining });
      expect(round.tokens.length).toBe(Math.min(remaining, 7));
      expect(round.acceptedDraftUsed).toBe(Math.min(remaining, 6));
      expect(round.stop).toBe(remaining <= 7 ? 'max-tokens' : null);
    }
  });

  it('rejects a remaining budget below 1', () => {
    expect(() => commitRound({ accepted: [], nextToken: 1, eosTokenIds: eos, remaining: 0 })).toThrow(/remaining/);
  });
});
