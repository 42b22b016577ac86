import { KeyObject } from 'node:crypto';
import { ProviderError } from '../payment-provider.port';
import { parseRsaPrivateKey, parseRsaPublicKey } from '../rsa-keys';
import { WechatpayConfig } from './wechatpay-config';
import { authorization, RequestSigner, signedHeaders, verifySigned } from './wechatpay-signing';

/** A verified API v3 answer: its HTTP status and JSON body (null when empty, e.g. 204). */
export interface WechatpayResponse {
  status: number;
  body: Record<string, unknown> | null;
}

/** The largest answer or bill read: far above any single channel's day. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * One channel's API v3 client: signs each request with the merchant key
 * (WECHATPAY2-SHA256-RSA2048) and verifies each answer with the WeChat Pay key before it is
 * read. Failures become the port's kinds: no answer in time is `timeout`; network errors,
 * 5xx, 429 and answers that do not verify are `unavailable`. 4xx answers are returned for the
 * caller to read their `code`.
 */
export class WechatpayClient {
  readonly signer: RequestSigner;
  readonly platform: { publicKey: KeyObject; keyId: string };

  constructor(
    private readonly config: WechatpayConfig,
    private readonly timeoutMs: number,
  ) {
    const privateKey = parseRsaPrivateKey(config.private_key);
    const publicKey = parseRsaPublicKey(config.platform_public_key);
    if (!privateKey || !publicKey) throw new ProviderError('rejected', 'wechatpay: unusable keys');
    this.signer = { mchid: config.mchid, serialNo: config.serial_no, privateKey };
    this.platform = { publicKey, keyId: config.platform_public_key_id };
  }

  async request(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    payload?: Record<string, unknown>,
  ): Promise<WechatpayResponse> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const response = await this.send(`${this.config.base_url}${pathAndQuery}`, {
      method,
      headers: {
        authorization: authorization(this.signer, method, pathAndQuery, body),
        accept: 'application/json',
        'user-agent': 'paygate',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: payload === undefined ? undefined : body,
    });
    const text = (await this.read(response)).toString('utf8');
    if (response.status >= 500 || response.status === 429) {
      throw new ProviderError(
        'unavailable',
        `wechatpay ${pathOnly(pathAndQuery)}: HTTP ${response.status}`,
        errorCode(text),
      );
    }
    const failure = verifySigned(signedHeaders(response.headers), text, this.platform);
    if (failure) {
      throw new ProviderError('unavailable', `wechatpay answer not trusted: ${failure}`);
    }
    if (text === '') return { status: response.status, body: null };
    try {
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      throw new ProviderError('unavailable', 'wechatpay answer is not JSON');
    }
  }

  /**
   * A bill file from a `download_url`: the request is signed like any other, the file itself is
   * not (its SHA1 from the signed tradebill answer is checked by the caller).
   */
  async download(url: string): Promise<Buffer> {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new ProviderError('unavailable', 'wechatpay bill: the download link is not http(s)');
    }
    const pathAndQuery = `${target.pathname}${target.search}`;
    const response = await this.send(url, {
      method: 'GET',
      headers: { authorization: authorization(this.signer, 'GET', pathAndQuery, '') },
    });
    const bytes = await this.read(response);
    if (!response.ok) {
      throw new ProviderError('unavailable', `wechatpay bill download: HTTP ${response.status}`);
    }
    return bytes;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderError('timeout', `wechatpay ${pathOnly(url)}: timed out`);
      }
      throw new ProviderError(
        'unavailable',
        `wechatpay ${pathOnly(url)}: ${(error as Error).message}`,
      );
    }
  }

  private async read(response: Response): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new ProviderError(timedOut ? 'timeout' : 'unavailable', 'wechatpay answer cut short');
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new ProviderError('unavailable', 'wechatpay answer is too large');
    }
    return bytes;
  }
}

function pathOnly(url: string): string {
  return url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
