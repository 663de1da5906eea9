import { EventEmitter } from 'node:events';

import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';

import { AllConfig, LoadSheddingConfig } from '@app/config';
import { OverloadedError } from '@app/http';

import { LoadShedder } from './load-shedder';
import { RecentEventLoopDelay } from './recent-event-loop-delay';

function request(route: string | undefined): FastifyRequest {
  return { routeOptions: { url: route } } as FastifyRequest;
}

/** A reply whose raw response can be closed, as Node does when the response ends. */
function reply() {
  const raw = new EventEmitter();
  return { reply: { raw } as unknown as FastifyReply, close: () => raw.emit('close') };
}

describe(LoadShedder.name, () => {
  let shed: { inc: jest.Mock };
  let eventLoop: { delayMs: number };
  let warn: jest.SpyInstance;
  const made: LoadShedder[] = [];

  function shedder(limits: LoadSheddingConfig): LoadShedder {
    const config = { get: () => limits } as unknown as ConfigService<AllConfig, true>;
    const sut = new LoadShedder(
      {} as HttpAdapterHost,
      eventLoop as RecentEventLoopDelay,
      config,
      shed as unknown as Counter<string>,
    );
    made.push(sut);
    return sut;
  }

  beforeEach(() => {
    shed = { inc: jest.fn() };
    eventLoop = { delayMs: 0 };
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    for (const sut of made.splice(0)) sut.onModuleDestroy();
    warn.mockRestore();
    jest.useRealTimers();
  });

  it('admits up to the limit, refuses the next, and admits again once one has closed', () => {
    const sut = shedder({ maxInFlight: 2, maxEventLoopDelayMs: 0 });
    const first = reply();
    expect(sut.admit(request('/favorites'), first.reply)).toBeUndefined();
    expect(sut.admit(request('/favorites'), reply().reply)).toBeUndefined();

    const refused = sut.admit(request('/favorites'), reply().reply);

    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({
      code: 'OVERLOADED',
      reason: 'in_flight',
      retryAfterSeconds: 1,
    });
    expect(shed.inc).toHaveBeenCalledWith({ reason: 'in_flight' });
    first.close();
    expect(sut.admit(request('/favorites'), reply().reply)).toBeUndefined();
  });

  it('never counts a refused request in flight', () => {
    const sut = shedder({ maxInFlight: 1, maxEventLoopDelayMs: 0 });
    const admitted = reply();
    sut.admit(request('/favorites'), admitted.reply);
    for (let i = 0; i < 5; i++) sut.admit(request('/favorites'), reply().reply);

    admitted.close();

    expect(sut.admit(request('/favorites'), reply().reply)).toBeUndefined();
  });

  it('refuses while the event loop is late and admits once it has caught up', () => {
    const sut = shedder({ maxInFlight: 0, maxEventLoopDelayMs: 100 });
    eventLoop.delayMs = 250;

    expect(sut.admit(request('/login'), reply().reply)).toMatchObject({
      reason: 'event_loop_delay',
    });
    expect(shed.inc).toHaveBeenCalledWith({ reason: 'event_loop_delay' });
    eventLoop.delayMs = 12;
    expect(sut.admit(request('/login'), reply().reply)).toBeUndefined();
  });

  it.each(['/health/live', '/health/ready', '/health', '/metrics'])(
    'never sheds nor counts %s',
    (route) => {
      const sut = shedder({ maxInFlight: 1, maxEventLoopDelayMs: 100 });
      eventLoop.delayMs = 1000;
      sut.admit(request(route), reply().reply);

      expect(sut.admit(request(route), reply().reply)).toBeUndefined();
      eventLoop.delayMs = 0;
      expect(sut.admit(request('/favorites'), reply().reply)).toBeUndefined();
    },
  );

  it('sheds requests no route matched like any other', () => {
    const sut = shedder({ maxInFlight: 1, maxEventLoopDelayMs: 0 });
    sut.admit(request('/favorites'), reply().reply);

    expect(sut.admit(request(undefined), reply().reply)).toBeInstanceOf(OverloadedError);
  });

  it('warns when shedding starts, then once per 10 s with a count while it lasts', () => {
    jest.useFakeTimers();
    const sut = shedder({ maxInFlight: 1, maxEventLoopDelayMs: 0 });
    sut.admit(request('/favorites'), reply().reply);

    for (let i = 0; i < 100; i++) sut.admit(request('/favorites'), reply().reply);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('overloaded (in_flight)');

    for (let i = 0; i < 20; i++) sut.admit(request('/favorites'), reply().reply);
    jest.advanceTimersByTime(10_000);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toContain('shed 120 requests in the last 10 s');

    // A quiet period ends the summaries; the next shed warns afresh.
    jest.advanceTimersByTime(10_000);
    expect(warn).toHaveBeenCalledTimes(2);
    sut.admit(request('/favorites'), reply().reply);
    expect(warn).toHaveBeenCalledTimes(3);
  });
});
