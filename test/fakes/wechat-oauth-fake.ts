import { randomBytes } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { FakeRequest, FakeServer } from './fake-server';

/**
 * WeChat's web OAuth (网页授权), faked on loopback: `/connect/oauth2/authorize` (the page the
 * payer's browser is sent to) answers a silent snsapi_base request by redirecting straight back
 * to redirect_uri with a one-time code and the state unchanged, as WeChat does; the API
 * `/sns/oauth2/access_token` exchanges a code for the payer's openid once, with the appid and
 * AppSecret checked (errcode 40029 / 40125 otherwise).
 */
export class WechatOAuthFake {
  /** The openid the next authorization is for (the WeChat user of the test). */
  openid = `o${randomBytes(14).toString('base64url')}`;
  /** Every authorize request, as the browser sent it. */
  readonly authorizations: URLSearchParams[] = [];
  private readonly codes = new Map<string, string>();

  private constructor(
    private readonly server: FakeServer,
    private readonly appid: string,
    private readonly secret: string,
  ) {}

  static async start(appid: string, secret: string): Promise<WechatOAuthFake> {
    const ref: { fake?: WechatOAuthFake } = {};
    const server = await FakeServer.start((req, res) => ref.fake!.handle(req, res));
    ref.fake = new WechatOAuthFake(server, appid, secret);
    return ref.fake;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(req: FakeRequest, res: ServerResponse): void {
    const query = req.url.searchParams;
    if (req.url.pathname === '/connect/oauth2/authorize') {
      this.authorizations.push(query);
      const redirect = query.get('redirect_uri');
      if (
        query.get('appid') !== this.appid ||
        query.get('response_type') !== 'code' ||
        query.get('scope') !== 'snsapi_base' ||
        !redirect
      ) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('参数错误');
        return;
      }
      const code = randomBytes(12).toString('hex');
      this.codes.set(code, this.openid);
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', query.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.url.pathname === '/sns/oauth2/access_token') {
      const answer = (body: Record<string, unknown>): void => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (query.get('appid') !== this.appid || query.get('secret') !== this.secret) {
        return answer({ errcode: 40125, errmsg: 'invalid appsecret' });
      }
      const openid = this.codes.get(query.get('code') ?? '');
      if (!openid || query.get('grant_type') !== 'authorization_code') {
        return answer({ errcode: 40029, errmsg: 'invalid code' });
      }
      this.codes.delete(query.get('code')!);
      return answer({
        access_token: randomBytes(16).toString('hex'),
        expires_in: 7200,
        refresh_token: randomBytes(16).toString('hex'),
        openid,
        scope: 'snsapi_base',
      });
    }
    res.writeHead(404).end();
  }
}
