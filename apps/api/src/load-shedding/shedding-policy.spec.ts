import { shedReason } from './shedding-policy';

describe(shedReason.name, () => {
  const limits = { maxInFlight: 3, maxEventLoopDelayMs: 100 };

  it('admits while fewer than the limit are in flight and the loop is on time', () => {
    expect(shedReason(limits, { inFlight: 0, eventLoopDelayMs: 0 })).toBeUndefined();
    expect(shedReason(limits, { inFlight: 2, eventLoopDelayMs: 100 })).toBeUndefined();
  });

  it('sheds once the limit is in flight, so that never more than the limit run at once', () => {
    expect(shedReason(limits, { inFlight: 3, eventLoopDelayMs: 0 })).toBe('in_flight');
    expect(shedReason(limits, { inFlight: 50, eventLoopDelayMs: 0 })).toBe('in_flight');
  });

  it('sheds while the loop is later than its limit', () => {
    expect(shedReason(limits, { inFlight: 0, eventLoopDelayMs: 101 })).toBe('event_loop_delay');
  });

  it('names the in-flight limit when both are passed', () => {
    expect(shedReason(limits, { inFlight: 3, eventLoopDelayMs: 500 })).toBe('in_flight');
  });

  it('ignores a signal whose limit is 0', () => {
    const off = { maxInFlight: 0, maxEventLoopDelayMs: 0 };

    expect(shedReason(off, { inFlight: 1e6, eventLoopDelayMs: 1e6 })).toBeUndefined();
    expect(
      shedReason({ ...off, maxEventLoopDelayMs: 100 }, { inFlight: 1e6, eventLoopDelayMs: 0 }),
    ).toBeUndefined();
    expect(
      shedReason({ ...off, maxInFlight: 3 }, { inFlight: 0, eventLoopDelayMs: 1e6 }),
    ).toBeUndefined();
  });
});
