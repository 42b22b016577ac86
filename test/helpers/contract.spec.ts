import type { ObservedResponse } from '../../src/app.factory';
import { ContractChecker, ContractRecorder, toRoutePattern } from './contract';

/** The contract check itself: what it catches and what it lets through, on the real document. */
describe('contract check against openapi.json', () => {
  const checker = new ContractChecker();
  const json = (body: unknown) => JSON.stringify(body);
  const response = (overrides: Partial<ObservedResponse>): ObservedResponse => ({
    method: 'GET',
    requestId: 'r1',
    route: '/health/live',
    url: '/health/live',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: json({ code: '0000', message: 'success', data: { status: 'ok' }, request_id: 'r1' }),
    ...overrides,
  });
  const teapot = (body: Record<string, unknown>) =>
    response({
      route: '/v1/teapot',
      url: '/v1/teapot',
      status: 418,
      body: json({ code: '418', message: "I'm a teapot", request_id: 'r1', ...body }),
    });

  it('passes a response the document describes', () => {
    expect(checker.check(response({}))).toEqual([]);
    expect(checker.check(teapot({ reason: 'im_a_teapot' }))).toEqual([]);
  });

  it('catches an undeclared field, naming where it is', () => {
    const extra = response({
      body: json({
        code: '0000',
        message: 'success',
        data: { status: 'ok', pid: 1 },
        request_id: 'r',
      }),
    });
    expect(checker.check(extra)).toEqual([
      expect.objectContaining({
        operation: 'GET /health/live',
        path: '/data',
        problem: expect.stringContaining('(pid)'),
      }),
    ]);
  });

  it('catches a wrong type and a missing required field', () => {
    const wrong = response({
      body: json({ code: '0000', message: 'success', data: { status: 1 } }),
    });
    const problems = checker.check(wrong).map((v) => `${v.path} ${v.problem}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/data/status must be string',
        " must have required property 'request_id'",
      ]),
    );
  });

  it('catches an error reason the operation does not list for that status', () => {
    expect(checker.check(teapot({ reason: 'order_not_found' }))).toEqual([
      expect.objectContaining({ path: 'reason', problem: expect.stringContaining('im_a_teapot') }),
    ]);
  });

  it('holds an undocumented status to the default response, and reports it undocumented', () => {
    const gone = { ...teapot({ code: '410', reason: 'channel_deleted' }), status: 410 };
    expect(checker.check(gone)).toEqual([
      expect.objectContaining({
        path: 'reason',
        problem: expect.stringContaining('not documented'),
      }),
    ]);
    expect(checker.check({ ...gone, body: 'gone' })).toEqual([
      expect.objectContaining({ problem: 'the body is not JSON' }),
    ]);
  });

  it('catches a content type the response does not list', () => {
    const html = response({ contentType: 'text/html', body: '<p>ok</p>' });
    expect(checker.check(html)).toEqual([expect.objectContaining({ path: 'content-type' })]);
    const csv = response({
      route: '/v1/clearing/bills/:bill_id/download',
      url: '/v1/clearing/bills/bill_1/download',
      contentType: 'text/csv; charset=utf-8',
      body: 'a,b\n',
    });
    expect(checker.check(csv)).toEqual([]);
  });

  it('holds requests no route took to the error envelope', () => {
    const notFound = {
      method: 'GET',
      requestId: 'r1',
      route: undefined,
      url: '/v1/nothing?x=1',
      status: 404,
      contentType: 'application/json',
    };
    const envelope = { code: '404', message: 'no', reason: 'route_not_found', request_id: 'r' };
    expect(checker.check({ ...notFound, body: json(envelope) })).toEqual([]);
    expect(
      checker.check({ ...notFound, body: json({ statusCode: 404, error: 'Not Found' }) }),
    ).toEqual(expect.arrayContaining([expect.objectContaining({ operation: 'GET /v1/nothing' })]));
  });

  it('skips the successes of routes left out of the document on purpose, but not their errors', () => {
    const metrics = response({
      route: '/metrics',
      url: '/metrics',
      contentType: 'text/plain',
      body: 'x 1',
    });
    expect(checker.check(metrics)).toEqual([]);
    expect(checker.check({ ...metrics, status: 500 })).toEqual([
      expect.objectContaining({ problem: 'an error that is not the JSON error envelope' }),
    ]);
    const unknown = response({ route: '/v1/secret-admin', url: '/v1/secret-admin' });
    expect(checker.check(unknown)).toEqual([
      expect.objectContaining({ problem: 'the route is not in openapi.json' }),
    ]);
    expect(checker.check(response({ method: 'HEAD', body: undefined }))).toEqual([]);
  });

  it('a recorder fails with every distinct violation listed', () => {
    const recorder = new ContractRecorder(checker, false);
    recorder.record(response({}));
    recorder.record(teapot({ reason: 'order_not_found' }));
    recorder.record(teapot({ reason: 'order_not_found' }));
    expect(() => recorder.verify()).toThrow(
      /1 response\(s\) do not match openapi.json[^]*GET \/v1\/teapot → 418: reason/,
    );
    expect(recorder.count).toBe(3);
  });

  it('names routes as Fastify does', () => {
    expect(toRoutePattern('/v1/merchants/{source_id}/credentials/{client_id}')).toBe(
      '/v1/merchants/:source_id/credentials/:client_id',
    );
  });
});
